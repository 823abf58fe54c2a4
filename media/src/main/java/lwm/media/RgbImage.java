package lwm.media;

/**
 * Packed 8-bit RGB pixels, row-major, three bytes per pixel (HWC), no row padding.
 *
 * @param pixels {@code width * height * 3} bytes; owned by the image once constructed
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (pixels.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "expected " + width * height * 3 + " bytes for " + width + "x" + height + ", got " + pixels.length);
        }
    }

    public static RgbImage blank(int width, int height) {
        return new RgbImage(width, height, new byte[width * height * 3]);
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }
}
