package lwm.app.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import lwm.engine.tokenizer.VisionTokens;

/**
 * The on-disk form of {@link CachedCodes}: magic, version, frame count, then per frame its index, timestamp and 256
 * codes as unsigned 16-bit values, and a CRC-32 of everything before it. Any mismatch makes the entry unusable.
 */
final class CodesFile {
    private static final int MAGIC = 0x4C574D43; // "LWMC"
    private static final int VERSION = 1;
    private static final int HEADER = 12;
    private static final int PER_FRAME = Long.BYTES + Double.BYTES + VisionTokens.CODES_PER_FRAME * Short.BYTES;
    /** Four hours at 10 fps: far beyond what fits a million-token context, small enough to read into memory. */
    static final int MAX_FRAMES = 144_000;
    /** The largest entry: {@link #MAX_FRAMES} frames (76 MB). */
    static final long MAX_BYTES = HEADER + (long) MAX_FRAMES * PER_FRAME + Integer.BYTES;

    private CodesFile() {}

    static byte[] encode(CachedCodes entry) {
        int frames = entry.frames();
        ByteBuffer out = ByteBuffer.allocate(HEADER + frames * PER_FRAME + Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(VERSION).putInt(frames);
        for (int f = 0; f < frames; f++) {
            out.putLong(entry.frameIndices()[f]).putDouble(entry.timestamps()[f]);
            for (int code : entry.codes()[f]) {
                out.putShort((short) code);
            }
        }
        out.putInt(crc(out.array(), out.position()));
        return out.array();
    }

    /** Parses {@code bytes}; throws with the problem when they are not a complete, intact entry. */
    static CachedCodes decode(byte[] bytes) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER + Integer.BYTES || in.getInt() != MAGIC || in.getInt() != VERSION) {
            throw new IOException("not a codes file of version " + VERSION);
        }
        int frames = in.getInt();
        if (frames < 0 || frames > MAX_FRAMES || bytes.length != HEADER + (long) frames * PER_FRAME + Integer.BYTES) {
            throw new IOException("frame count " + frames + " disagrees with the file size " + bytes.length);
        }
        if (crc(bytes, bytes.length - Integer.BYTES) != ByteBuffer.wrap(bytes, bytes.length - Integer.BYTES, Integer.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN).getInt()) {
            throw new IOException("checksum mismatch");
        }
        long[] indices = new long[frames];
        double[] timestamps = new double[frames];
        int[][] codes = new int[frames][VisionTokens.CODES_PER_FRAME];
        for (int f = 0; f < frames; f++) {
            indices[f] = in.getLong();
            timestamps[f] = in.getDouble();
            for (int i = 0; i < VisionTokens.CODES_PER_FRAME; i++) {
                codes[f][i] = Short.toUnsignedInt(in.getShort());
            }
        }
        try {
            return new CachedCodes(indices, timestamps, codes);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
