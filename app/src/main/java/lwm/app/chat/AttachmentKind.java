package lwm.app.chat;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** What a dropped file is to a conversation: frames for the VQGAN (image, video) or text for the prompt. */
public enum AttachmentKind {
    IMAGE,
    VIDEO,
    TEXT;

    private static final Set<String> IMAGES = Set.of("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff");
    private static final Set<String> TEXTS = Set.of("txt", "md", "markdown", "csv", "json", "log", "rst", "tex",
            "html", "xml", "yaml", "yml", "java", "py", "c", "h", "cpp", "js", "ts");

    /** By extension; anything not known as an image or a text document is tried as a video. */
    public static AttachmentKind of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String extension = name.substring(name.lastIndexOf('.') + 1);
        if (IMAGES.contains(extension)) {
            return IMAGE;
        }
        return TEXTS.contains(extension) ? TEXT : VIDEO;
    }

    public boolean visual() {
        return this != TEXT;
    }
}
