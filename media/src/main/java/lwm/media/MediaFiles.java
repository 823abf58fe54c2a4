package lwm.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that come before any decoding: the path is a readable, non-empty file; what its first bytes say it is; the
 * pictures it declares are small enough to decode.
 */
final class MediaFiles {

    /** 50 megapixels: 150 MB as RGB. A few bytes of header can declare far larger pictures; none is decoded. */
    static final long MAX_PIXELS = 50_000_000L;

    private MediaFiles() {}

    static void requireReadableFile(Path file) {
        if (Files.isDirectory(file)) {
            throw new MediaException(file, "is a directory, not a media file");
        }
        if (!Files.exists(file)) {
            throw new MediaException(file, "file not found");
        }
        if (!Files.isReadable(file)) {
            throw new MediaException(file, "permission denied: the file is not readable");
        }
        try {
            if (Files.size(file) == 0) {
                throw new MediaException(file, "empty file (0 bytes)");
            }
        } catch (IOException e) {
            throw new MediaException(file, "cannot read file size: " + e.getMessage(), e);
        }
    }

    /** Refuses a picture above {@link #MAX_PIXELS} before anything is allocated for it. */
    static void requirePixelLimit(Path file, String what, long width, long height) {
        if (width * height > MAX_PIXELS) {
            throw new MediaException(file, what + " of " + width + "x" + height + " pixels exceeds the limit of "
                    + MAX_PIXELS / 1_000_000 + " megapixels");
        }
    }

    /** The first bytes of the file (fewer if it is shorter). */
    static byte[] head(Path file, int length) {
        requireReadableFile(file);
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(length);
        } catch (IOException e) {
            throw new MediaException(file, "cannot read: " + e.getMessage(), e);
        }
    }
}
