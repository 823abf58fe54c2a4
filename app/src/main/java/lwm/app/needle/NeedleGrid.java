package lwm.app.needle;

import java.util.Arrays;

/**
 * The cells of a needle run: context lengths × document depths × rounds, as LWM's {@code eval_needle.py} builds them
 * (reference/lwm.md §5.2): {@code round(linspace(min, max, n))} for both axes, numpy's rounding (half to even).
 */
public record NeedleGrid(int[] contextLengths, int[] depthPercents, int rounds) {
    public NeedleGrid {
        if (contextLengths.length == 0 || depthPercents.length == 0) {
            throw new IllegalArgumentException("the grid needs at least one context length and one depth");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        }
        for (int length : contextLengths) {
            if (length < 1) {
                throw new IllegalArgumentException("a context length must be positive, got " + length);
            }
        }
        for (int depth : depthPercents) {
            if (depth < 0 || depth > 100) {
                throw new IllegalArgumentException("depth " + depth + " % is outside 0..100");
            }
        }
        contextLengths = contextLengths.clone();
        depthPercents = depthPercents.clone();
    }

    /** {@code lengths} context lengths from {@code min} to {@code max} and {@code depths} depths from 0 to 100 %. */
    public static NeedleGrid linear(int min, int max, int lengths, int depths, int rounds) {
        if (min > max) {
            throw new IllegalArgumentException("the shortest context (" + min + ") is longer than the longest (" + max + ")");
        }
        if (lengths < 1 || depths < 1) {
            throw new IllegalArgumentException("a grid needs at least one length and one depth");
        }
        return new NeedleGrid(distinct(linspace(min, max, lengths)), distinct(linspace(0, 100, depths)), rounds);
    }

    /** Each value once: a grid asked for more points than its range holds would ask the same cell again. */
    private static int[] distinct(int[] values) {
        return Arrays.stream(values).distinct().toArray();
    }

    /** {@code np.round(np.linspace(from, to, n)).astype(int)}. */
    static int[] linspace(double from, double to, int n) {
        int[] out = new int[n];
        double step = n == 1 ? 0 : (to - from) / (n - 1);
        for (int i = 0; i < n; i++) {
            out[i] = (int) Math.rint(i == n - 1 && n > 1 ? to : from + i * step);
        }
        return out;
    }

    public int maxLength() {
        return Arrays.stream(contextLengths).max().orElseThrow();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NeedleGrid g && Arrays.equals(contextLengths, g.contextLengths)
                && Arrays.equals(depthPercents, g.depthPercents) && rounds == g.rounds;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(contextLengths) + Arrays.hashCode(depthPercents)) + rounds;
    }

    @Override
    public String toString() {
        return "NeedleGrid" + Arrays.toString(contextLengths) + "×" + Arrays.toString(depthPercents) + "×" + rounds;
    }
}
