package lwm.media;

/** Width and height from a WebP file's first chunk (VP8X canvas, lossy VP8 or lossless VP8L), without decoding. */
final class WebpHeader {

    private static final int FIRST_CHUNK = 12;

    private WebpHeader() {}

    /** {width, height}, or null when the header is not a recognisable WebP header. */
    static int[] size(byte[] b) {
        int data = FIRST_CHUNK + 8;
        if (b.length < data + 10) {
            return null;
        }
        if (Bytes.startsWith(b, FIRST_CHUNK, "VP8X")) {
            return new int[] {Bytes.u24(b, data + 4, true) + 1, Bytes.u24(b, data + 7, true) + 1};
        }
        if (Bytes.startsWith(b, FIRST_CHUNK, "VP8 ")) {
            // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (2 scaling bits each).
            return new int[] {Bytes.u16(b, data + 6, true) & 0x3FFF, Bytes.u16(b, data + 8, true) & 0x3FFF};
        }
        if (Bytes.startsWith(b, FIRST_CHUNK, "VP8L")) {
            // Signature byte 0x2f, then width - 1 and height - 1 in 14 bits each, little-endian bit order.
            int bits = (int) Bytes.u32(b, data + 1, true);
            return new int[] {(bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1};
        }
        return null;
    }
}
