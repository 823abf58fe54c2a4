package lwm.engine.weights;

import java.io.IOException;
import java.nio.file.Path;
import lwm.engine.OneLine;

/**
 * A checkpoint file is missing, malformed or unsupported. The message always names the file and, when known, the
 * tensor or record, so that a user can tell which download is broken.
 */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(OneLine.of(message));
    }

    public CheckpointException(String message, Throwable cause) {
        super(OneLine.of(message), cause);
    }

    /** "file: problem". */
    public static CheckpointException in(Path file, String problem) {
        return new CheckpointException(file + ": " + problem);
    }

    /** "file: tensor 'name': problem". */
    public static CheckpointException inTensor(Path file, String tensor, String problem) {
        return new CheckpointException(file + ": tensor '" + tensor + "': " + problem);
    }
}
