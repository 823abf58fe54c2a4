package lwm.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Positional reads of small, already bounds-checked regions (headers, directories, pickles). */
final class FileReads {
    private FileReads() {
    }

    /** {@code length} bytes at {@code offset} as a little-endian heap buffer; the caller has checked the range. */
    static ByteBuffer read(Path file, FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, offset + buf.position()) < 0) {
                throw CheckpointException.in(file, "file ended at byte " + (offset + buf.position())
                        + " while reading " + length + " bytes at offset " + offset + " (changed while open?)");
            }
        }
        return buf.flip();
    }
}
