package lwm.engine.weights;

import java.io.IOException;
import java.nio.FloatBuffer;

/**
 * Sequential access to one array's elements in C order, across the chunks a large array is stored in. Valid only
 * inside {@link ArrayVisitor#onArray}; elements left unread there are skipped.
 */
public interface ArrayStream {

    /** Product of the shape. */
    long elementCount();

    /** Elements not yet read or skipped. */
    long remaining();

    /**
     * Reads the next {@code count} elements into {@code dst} (advancing it), converting F32, F16 or BF16 to float.
     *
     * @throws CheckpointException      if the array is not of a float type, or the file is corrupt
     * @throws IllegalArgumentException if {@code count} exceeds {@link #remaining()} or {@code dst.remaining()}
     */
    void readFloats(FloatBuffer dst, int count) throws IOException;

    /** Skips the next {@code elements} elements (a seek, not a read). */
    void skip(long elements) throws IOException;
}
