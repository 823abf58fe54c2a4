package lwm.app.store;

/**
 * A file a question refers to, by reference and never by content: its path, size and SHA-256 when attached (to
 * notice a file changed or gone), its kind (video, image, document) and its probe as JSON.
 */
public record Attachment(String path, long size, String sha256, String kind, String probe) {}
