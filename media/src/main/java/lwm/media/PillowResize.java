package lwm.media;

/**
 * Pillow's BICUBIC resampling of 8-bit RGB, reproduced operation for operation (libImaging/Resample.c): separable
 * convolution whose support grows with the downscale factor (antialiasing), Keys cubic with a = -0.5, coefficients
 * normalised in double and rounded to 22-bit fixed point, horizontal pass first with its result rounded and clipped
 * to 8 bits, then the vertical pass. Same arithmetic in the same order gives the same bytes.
 *
 * <p>Only the output window that is asked for is computed. Every output pixel depends on its own coefficients only, so
 * computing the cropped part of a resize gives exactly the bytes of resize-then-crop, for a fraction of the work.
 */
final class PillowResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private PillowResize() {}

    /** One axis: for output position i, inputs {@code first[i] .. first[i]+count[i]-1} with fixed-point weights. */
    private record Axis(int[] first, int[] count, int[] weights, int taps) {}

    /**
     * Resizes {@code image} to {@code outWidth x outHeight} and returns the window at ({@code left}, {@code top}) of
     * size {@code width x height} of the result.
     */
    static RgbImage resizeWindow(RgbImage image, int outWidth, int outHeight, int left, int top, int width,
            int height) {
        boolean horizontal = outWidth != image.width();
        boolean vertical = outHeight != image.height();
        Axis columns = horizontal ? axis(image.width(), outWidth, left, width) : null;
        Axis rows = vertical ? axis(image.height(), outHeight, top, height) : null;
        // The horizontal pass only needs the input rows the vertical pass will read (Pillow's ybox_first/last).
        int firstRow = vertical ? rows.first[0] : top;
        int lastRow = vertical ? rows.first[height - 1] + rows.count[height - 1] : top + height;
        RgbImage temp = horizontal
                ? horizontalPass(image, columns, firstRow, lastRow - firstRow)
                : window(image, left, firstRow, width, lastRow - firstRow);
        if (!vertical) {
            return temp;
        }
        return verticalPass(temp, rows, firstRow);
    }

    private static Axis axis(int inSize, int outSize, int firstOut, int outCount) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outCount];
        int[] count = new int[outCount];
        int[] weights = new int[outCount * taps];
        double[] k = new double[taps];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < outCount; i++) {
            int xx = firstOut + i;
            double center = (xx + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = bicubic((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double normalised = ww != 0.0 ? k[x] / ww : k[x];
                weights[i * taps + x] = normalised < 0
                        ? (int) (-0.5 + normalised * (1 << PRECISION_BITS))
                        : (int) (0.5 + normalised * (1 << PRECISION_BITS));
            }
            first[i] = xmin;
            count[i] = xmax;
        }
        return new Axis(first, count, weights, taps);
    }

    private static double bicubic(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }

    private static int clip8(int sum) {
        int value = sum >> PRECISION_BITS;
        return value < 0 ? 0 : Math.min(value, 255);
    }

    private static RgbImage horizontalPass(RgbImage image, Axis columns, int firstRow, int rowCount) {
        int outWidth = columns.first.length;
        byte[] in = image.pixels();
        byte[] out = new byte[outWidth * rowCount * 3];
        int inStride = image.width() * 3;
        int o = 0;
        for (int y = 0; y < rowCount; y++) {
            int row = (firstRow + y) * inStride;
            for (int i = 0; i < outWidth; i++) {
                int s = row + columns.first[i] * 3;
                int k = i * columns.taps;
                int r = 1 << (PRECISION_BITS - 1);
                int g = r;
                int b = r;
                for (int x = 0, n = columns.count[i]; x < n; x++, s += 3) {
                    int w = columns.weights[k + x];
                    r += (in[s] & 0xFF) * w;
                    g += (in[s + 1] & 0xFF) * w;
                    b += (in[s + 2] & 0xFF) * w;
                }
                out[o++] = (byte) clip8(r);
                out[o++] = (byte) clip8(g);
                out[o++] = (byte) clip8(b);
            }
        }
        return new RgbImage(outWidth, rowCount, out);
    }

    private static RgbImage verticalPass(RgbImage temp, Axis rows, int firstRow) {
        int width = temp.width();
        int outHeight = rows.first.length;
        byte[] in = temp.pixels();
        byte[] out = new byte[width * outHeight * 3];
        int stride = width * 3;
        int[] sums = new int[stride];
        for (int j = 0; j < outHeight; j++) {
            java.util.Arrays.fill(sums, 1 << (PRECISION_BITS - 1));
            int k = j * rows.taps;
            int start = rows.first[j] - firstRow;
            // Row-at-a-time accumulation: the same integer sums as Pillow's per-pixel loop, in a cache-friendly order.
            for (int y = 0, n = rows.count[j]; y < n; y++) {
                int w = rows.weights[k + y];
                int s = (start + y) * stride;
                for (int c = 0; c < stride; c++) {
                    sums[c] += (in[s + c] & 0xFF) * w;
                }
            }
            int o = j * stride;
            for (int c = 0; c < stride; c++) {
                out[o + c] = (byte) clip8(sums[c]);
            }
        }
        return new RgbImage(width, outHeight, out);
    }

    private static RgbImage window(RgbImage image, int left, int top, int width, int height) {
        if (left == 0 && top == 0 && width == image.width() && height == image.height()) {
            return image;
        }
        byte[] out = new byte[width * height * 3];
        int inStride = image.width() * 3;
        for (int y = 0; y < height; y++) {
            System.arraycopy(image.pixels(), (top + y) * inStride + left * 3, out, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }
}
