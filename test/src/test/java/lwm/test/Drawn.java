package lwm.test;

import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * What a generated frame shows, judged simply and independently of the model: the background is the median border
 * colour, the object the largest 4-connected region that differs from it by more than 60 in RGB, its colour the
 * named colour nearest its mean.
 */
public record Drawn(String colour, int area) {
    private static final Map<String, int[]> NAMED = Map.of("red", new int[] {230, 30, 30}, "green",
            new int[] {30, 170, 30}, "blue", new int[] {30, 40, 220}, "yellow", new int[] {240, 220, 30}, "white",
            new int[] {245, 245, 245}, "black", new int[] {15, 15, 15});

    public static Drawn largestObject(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] background = borderMedian(image);
        boolean[] differs = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                differs[y * w + x] = distance(rgb(image.getRGB(x, y)), background) > 60;
            }
        }
        int[] label = new int[w * h];
        int best = 0;
        int bestSize = 0;
        int next = 0;
        for (int start = 0; start < w * h; start++) {
            if (!differs[start] || label[start] != 0) {
                continue;
            }
            int size = flood(differs, label, w, h, start, ++next);
            if (size > bestSize) {
                best = next;
                bestSize = size;
            }
        }
        if (bestSize == 0) {
            return new Drawn("none", 0);
        }
        long[] sum = new long[3];
        for (int i = 0; i < w * h; i++) {
            if (label[i] == best) {
                int[] c = rgb(image.getRGB(i % w, i / w));
                for (int k = 0; k < 3; k++) {
                    sum[k] += c[k];
                }
            }
        }
        int[] mean = {(int) (sum[0] / bestSize), (int) (sum[1] / bestSize), (int) (sum[2] / bestSize)};
        String colour = NAMED.entrySet().stream()
                .min((a, b) -> Double.compare(distance(mean, a.getValue()), distance(mean, b.getValue())))
                .orElseThrow().getKey();
        return new Drawn(colour, bestSize);
    }

    private static int flood(boolean[] differs, int[] label, int w, int h, int start, int id) {
        ArrayDeque<Integer> stack = new ArrayDeque<>();
        stack.push(start);
        label[start] = id;
        int size = 0;
        while (!stack.isEmpty()) {
            int i = stack.pop();
            size++;
            int x = i % w;
            int y = i / w;
            int[][] around = {{x + 1, y}, {x - 1, y}, {x, y + 1}, {x, y - 1}};
            for (int[] p : around) {
                if (p[0] >= 0 && p[0] < w && p[1] >= 0 && p[1] < h) {
                    int j = p[1] * w + p[0];
                    if (differs[j] && label[j] == 0) {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        return size;
    }

    private static int[] borderMedian(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int n = 2 * w + 2 * h;
        int[][] channels = new int[3][n];
        int k = 0;
        for (int i = 0; i < w; i++) {
            k = put(channels, k, image.getRGB(i, 0));
            k = put(channels, k, image.getRGB(i, h - 1));
        }
        for (int i = 0; i < h; i++) {
            k = put(channels, k, image.getRGB(0, i));
            k = put(channels, k, image.getRGB(w - 1, i));
        }
        int[] out = new int[3];
        for (int c = 0; c < 3; c++) {
            java.util.Arrays.sort(channels[c]);
            out[c] = channels[c][n / 2];
        }
        return out;
    }

    private static int put(int[][] channels, int k, int argb) {
        int[] c = rgb(argb);
        for (int i = 0; i < 3; i++) {
            channels[i][k] = c[i];
        }
        return k + 1;
    }

    private static int[] rgb(int argb) {
        return new int[] {(argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff};
    }

    private static double distance(int[] a, int[] b) {
        double s = 0;
        for (int i = 0; i < 3; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
