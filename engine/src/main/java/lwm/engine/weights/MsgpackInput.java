package lwm.engine.weights;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A minimal streaming msgpack reader over a file: headers are decoded one at a time and payloads (bin, ext) are left
 * in the stream for the caller to read in pieces or skip with a seek, so records of several GiB need only the buffer.
 * A limit (the end of the enclosing value) bounds every read; errors name the file, the current context (record key
 * path) and the byte offset.
 */
final class MsgpackInput implements Closeable {
    static final int BUFFER_BYTES = 4 << 20;

    /** Header of an ext value: the type code and the payload length that follows. */
    record Ext(int type, long length) {
    }

    private final Path file;
    private final FileChannel channel;
    private final long size;
    /** Buffered bytes; big-endian because msgpack headers are. */
    private final ByteBuffer buffer;
    /** File offset of buffer index 0. */
    private long bufferStart;
    private long limit;
    private String context = "";

    MsgpackInput(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.size = channel.size();
        this.buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).limit(0);
        this.limit = size;
    }

    long position() {
        return bufferStart + buffer.position();
    }

    long size() {
        return size;
    }

    boolean atEnd() {
        return position() == size;
    }

    /** Says what is being read (e.g. the record's key path), for error messages. */
    void setContext(String context) {
        this.context = context;
    }

    /** Reads past {@code end} are errors until the limit is reset to the file size. */
    void setLimit(long end) {
        this.limit = end;
    }

    CheckpointException error(String problem) {
        return errorAt(position(), problem);
    }

    private CheckpointException errorAt(long offset, String problem) {
        return CheckpointException.in(file, context + " at byte offset " + offset + ": " + problem);
    }

    /** Makes {@code n} bytes available in the buffer. */
    private void require(int n) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        checkWithinLimit(n, "the next msgpack field");
        bufferStart += buffer.position();
        buffer.compact();
        while (buffer.position() < n) {
            long fileOffset = bufferStart + buffer.position();
            int read = channel.read(buffer, fileOffset);
            if (read < 0) {
                buffer.flip();
                throw error("file ended at byte " + fileOffset + " (changed while reading?)");
            }
        }
        buffer.flip();
    }

    /** Fails if {@code n} bytes from here would pass the end of the file or of the enclosing value. */
    void checkWithinLimit(long n, String what) throws CheckpointException {
        if (n > limit - position()) {
            throw error(what + " needs " + n + " bytes but " + (limit == size
                    ? "the file ends at byte " + size + " (truncated)"
                    : "the enclosing value ends at byte " + limit + " (truncated)"));
        }
    }

    /** Skips {@code n} bytes within the limit, by seeking when they are not buffered. */
    void skip(long n) throws IOException {
        checkWithinLimit(n, "the array data");
        if (n <= buffer.remaining()) {
            buffer.position(buffer.position() + (int) n);
        } else {
            bufferStart = position() + n;
            buffer.clear().limit(0);
        }
    }

    /**
     * A little-endian view of between {@code min} and {@code max} buffered bytes (fewer than max only when the buffer
     * holds fewer), without consuming them; follow with {@link #skip}.
     */
    ByteBuffer peekBytes(int min, int max) throws IOException {
        require(min);
        int n = Math.min(max, buffer.remaining());
        return buffer.slice(buffer.position(), n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private int u8() throws IOException {
        require(1);
        return Byte.toUnsignedInt(buffer.get());
    }

    private long unsigned(int bytes) throws IOException {
        require(bytes);
        return switch (bytes) {
            case 1 -> Byte.toUnsignedLong(buffer.get());
            case 2 -> Short.toUnsignedLong(buffer.getShort());
            case 4 -> Integer.toUnsignedLong(buffer.getInt());
            default -> buffer.getLong();
        };
    }

    // ---- typed msgpack values ----

    int peekFormat() throws IOException {
        require(1);
        return Byte.toUnsignedInt(buffer.get(buffer.position()));
    }

    boolean nextIsExt() throws IOException {
        int format = peekFormat();
        return (format >= 0xc7 && format <= 0xc9) || (format >= 0xd4 && format <= 0xd8);
    }

    boolean nextIsMap() throws IOException {
        int format = peekFormat();
        return (format >= 0x80 && format <= 0x8f) || format == 0xde || format == 0xdf;
    }

    long readArrayHeader(String what) throws IOException {
        int format = u8();
        if (format >= 0x90 && format <= 0x9f) {
            return format & 0x0f;
        } else if (format == 0xdc) {
            return unsigned(2);
        } else if (format == 0xdd) {
            return unsigned(4);
        }
        throw mismatch(what, "an array", format);
    }

    long readMapHeader(String what) throws IOException {
        int format = u8();
        if (format >= 0x80 && format <= 0x8f) {
            return format & 0x0f;
        } else if (format == 0xde) {
            return unsigned(2);
        } else if (format == 0xdf) {
            return unsigned(4);
        }
        throw mismatch(what, "a map", format);
    }

    String readString(String what, int maxBytes) throws IOException {
        int format = u8();
        long length;
        if (format >= 0xa0 && format <= 0xbf) {
            length = format & 0x1f;
        } else if (format == 0xd9) {
            length = unsigned(1);
        } else if (format == 0xda) {
            length = unsigned(2);
        } else if (format == 0xdb) {
            length = unsigned(4);
        } else {
            throw mismatch(what, "a str", format);
        }
        if (length > maxBytes) {
            throw error(what + " is a str of " + length + " bytes, over the limit of " + maxBytes);
        }
        require((int) length);
        byte[] utf8 = new byte[(int) length];
        buffer.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** Length of a bin value whose payload follows. */
    long readBinHeader(String what) throws IOException {
        int format = u8();
        return switch (format) {
            case 0xc4 -> unsigned(1);
            case 0xc5 -> unsigned(2);
            case 0xc6 -> unsigned(4);
            default -> throw mismatch(what, "a bin", format);
        };
    }

    Ext readExtHeader(String what) throws IOException {
        int format = u8();
        long length = switch (format) {
            case 0xd4 -> 1;
            case 0xd5 -> 2;
            case 0xd6 -> 4;
            case 0xd7 -> 8;
            case 0xd8 -> 16;
            case 0xc7 -> unsigned(1);
            case 0xc8 -> unsigned(2);
            case 0xc9 -> unsigned(4);
            default -> throw mismatch(what, "an ext", format);
        };
        require(1);
        return new Ext(buffer.get(), length); // the type code is a signed byte
    }

    long readInt(String what) throws IOException {
        int format = u8();
        if (format <= 0x7f) {
            return format;
        } else if (format >= 0xe0) {
            return (byte) format;
        }
        long value = switch (format) {
            case 0xcc -> unsigned(1);
            case 0xcd -> unsigned(2);
            case 0xce -> unsigned(4);
            case 0xcf -> unsigned(8);
            case 0xd0 -> (byte) unsigned(1);
            case 0xd1 -> (short) unsigned(2);
            case 0xd2 -> (int) unsigned(4);
            case 0xd3 -> unsigned(8);
            default -> throw mismatch(what, "an int", format);
        };
        if (format == 0xcf && value < 0) {
            throw error(what + " exceeds 2^63");
        }
        return value;
    }

    boolean readBool(String what) throws IOException {
        int format = u8();
        if (format == 0xc2 || format == 0xc3) {
            return format == 0xc3;
        }
        throw mismatch(what, "a bool", format);
    }

    /** Reported at the offending format byte, which has just been consumed. */
    private CheckpointException mismatch(String what, String expected, int format) {
        return errorAt(position() - 1, what + " is " + formatName(format) + ", expected " + expected);
    }

    /** msgpack's name for the family of a format byte. */
    static String formatName(int format) {
        if (format <= 0x7f || format >= 0xe0 || (format >= 0xcc && format <= 0xd3)) {
            return "an int";
        } else if ((format >= 0x80 && format <= 0x8f) || format == 0xde || format == 0xdf) {
            return "a map";
        } else if (format <= 0x9f || format == 0xdc || format == 0xdd) {
            return "an array";
        } else if (format <= 0xbf || (format >= 0xd9 && format <= 0xdb)) {
            return "a str";
        } else if (format >= 0xc4 && format <= 0xc6) {
            return "a bin";
        } else if ((format >= 0xc7 && format <= 0xc9) || (format >= 0xd4 && format <= 0xd8)) {
            return "an ext";
        }
        return switch (format) {
            case 0xc0 -> "nil";
            case 0xc2, 0xc3 -> "a bool";
            case 0xca, 0xcb -> "a float";
            default -> "the unused format byte 0xc1";
        };
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
