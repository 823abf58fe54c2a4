package lwm.media;

import java.nio.file.Path;

/**
 * A media file that cannot be read or written. The message always starts with the file, so that a user who dropped
 * twenty files into a chat can tell which one failed and why. Unchecked because frames are streamed through
 * iterators, whose methods cannot throw checked exceptions.
 */
public class MediaException extends RuntimeException {

    public MediaException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public MediaException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
