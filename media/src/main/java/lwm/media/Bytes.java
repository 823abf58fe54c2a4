package lwm.media;

/** Reading integers and tags from file headers. */
final class Bytes {

    private Bytes() {}

    /** Whether {@code size} bytes at {@code at} lie inside {@code b}; offsets read from a file are longs here, so a
     * hostile offset near 2^31 or 2^32 cannot wrap around into the array. */
    static boolean fits(byte[] b, long at, long size) {
        return at >= 0 && size >= 0 && at <= b.length - size;
    }

    static boolean startsWith(byte[] b, long at, String ascii) {
        if (!fits(b, at, ascii.length())) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[(int) at + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static int u16(byte[] b, int at, boolean littleEndian) {
        return uint(b, at, 2, littleEndian);
    }

    static int u24(byte[] b, int at, boolean littleEndian) {
        return uint(b, at, 3, littleEndian);
    }

    /** Unsigned: a length of 0xFFFFFFF0 is four billion, not minus sixteen. */
    static long u32(byte[] b, int at, boolean littleEndian) {
        return uint(b, at, 4, littleEndian) & 0xFFFFFFFFL;
    }

    private static int uint(byte[] b, int at, int size, boolean littleEndian) {
        int value = 0;
        for (int i = 0; i < size; i++) {
            int octet = b[at + (littleEndian ? size - 1 - i : i)] & 0xFF;
            value = value << 8 | octet;
        }
        return value;
    }
}
