package lwm.media;

/** Reading integers and tags from file headers. */
final class Bytes {

    private Bytes() {}

    static boolean startsWith(byte[] b, int at, String ascii) {
        if (at < 0 || at + ascii.length() > b.length) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[at + i] != (byte) ascii.charAt(i)) {
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

    static int u32(byte[] b, int at, boolean littleEndian) {
        return uint(b, at, 4, littleEndian);
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
