package lwm.media;

/** Quarter-turn rotations and mirroring of RGB images (display matrices, EXIF orientation). */
final class Rotation {

    private Rotation() {}

    /** Rotates clockwise by {@code degrees}: 0, 90, 180 or 270. */
    static RgbImage clockwise(RgbImage image, int degrees) {
        if (degrees == 0) {
            return image;
        }
        if (degrees != 90 && degrees != 180 && degrees != 270) {
            throw new IllegalArgumentException("not a quarter turn: " + degrees);
        }
        int w = image.width();
        int h = image.height();
        boolean sideways = degrees != 180;
        int outW = sideways ? h : w;
        int outH = sideways ? w : h;
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++, o += 3) {
                int sx;
                int sy;
                if (degrees == 90) {
                    sx = y;
                    sy = h - 1 - x;
                } else if (degrees == 180) {
                    sx = w - 1 - x;
                    sy = h - 1 - y;
                } else {
                    sx = w - 1 - y;
                    sy = x;
                }
                int s = (sy * w + sx) * 3;
                out[o] = in[s];
                out[o + 1] = in[s + 1];
                out[o + 2] = in[s + 2];
            }
        }
        return new RgbImage(outW, outH, out);
    }

    /** Mirrors left to right. */
    static RgbImage mirrored(RgbImage image) {
        int w = image.width();
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        for (int y = 0; y < image.height(); y++) {
            int row = y * w * 3;
            for (int x = 0; x < w; x++) {
                System.arraycopy(in, row + (w - 1 - x) * 3, out, row + x * 3, 3);
            }
        }
        return new RgbImage(w, image.height(), out);
    }
}
