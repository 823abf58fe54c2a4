package lwm.app.needle;

import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import lwm.app.store.NeedleCell;

/**
 * The needle heatmap as LWM's and the NIAH project's plots draw it (ux.md §3): context length across, depth down,
 * each cell the mean over rounds (and, for multi-needle runs, over the needles asked at that depth), on the
 * red → amber → green ramp of the NIAH notebooks.
 */
public record NeedleHeatmap(int[] lengths, int[] depths, double[][] mean, int[][] runs) {
    private static final int[][] RAMP = {{0xF0, 0x49, 0x6E}, {0xEB, 0xB8, 0x39}, {0x0C, 0xD7, 0x9F}};

    public static NeedleHeatmap of(List<NeedleCell> cells) {
        return of(cells, null);
    }

    /** The heatmap with every length and depth of {@code grid} shown, the cells not run yet empty. */
    public static NeedleHeatmap of(List<NeedleCell> cells, NeedleGrid grid) {
        TreeSet<Integer> lengthSet = new TreeSet<>();
        TreeSet<Integer> depthSet = new TreeSet<>();
        if (grid != null) {
            for (int l : grid.contextLengths()) {
                lengthSet.add(l);
            }
            for (int d : grid.depthPercents()) {
                depthSet.add(d);
            }
        }
        TreeMap<Long, double[]> sums = new TreeMap<>();
        for (NeedleCell cell : cells) {
            lengthSet.add(cell.contextLength());
            if (cell.depthPercent() >= 0) {
                depthSet.add(cell.depthPercent());
                add(sums, cell.contextLength(), cell.depthPercent(), cell.value());
            } else {
                for (int i = 0; i < cell.answers().size(); i++) {
                    int depth = cell.needles().get(i).depthPercent();
                    depthSet.add(depth);
                    add(sums, cell.contextLength(), depth, cell.correct().get(i) ? 1 : 0);
                }
            }
        }
        int[] lengths = lengthSet.stream().mapToInt(Integer::intValue).toArray();
        int[] depths = depthSet.stream().mapToInt(Integer::intValue).toArray();
        double[][] mean = new double[depths.length][lengths.length];
        int[][] runs = new int[depths.length][lengths.length];
        for (int d = 0; d < depths.length; d++) {
            for (int l = 0; l < lengths.length; l++) {
                double[] s = sums.get(key(lengths[l], depths[d]));
                runs[d][l] = s == null ? 0 : (int) s[1];
                mean[d][l] = s == null ? Double.NaN : s[0] / s[1];
            }
        }
        return new NeedleHeatmap(lengths, depths, mean, runs);
    }

    private static void add(TreeMap<Long, double[]> sums, int length, int depth, double value) {
        double[] s = sums.computeIfAbsent(key(length, depth), k -> new double[2]);
        s[0] += value;
        s[1] += 1;
    }

    private static long key(int length, int depth) {
        return ((long) length << 8) | depth;
    }

    /** The overall mean of the cells that ran. */
    public double overall() {
        double sum = 0;
        int n = 0;
        for (int d = 0; d < depths.length; d++) {
            for (int l = 0; l < lengths.length; l++) {
                if (runs[d][l] > 0) {
                    sum += mean[d][l] * runs[d][l];
                    n += runs[d][l];
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The ramp's colour of a score in 0..1 as 0xRRGGBB. */
    public static int color(double value) {
        double v = Math.max(0, Math.min(1, value)) * (RAMP.length - 1);
        int i = Math.min(RAMP.length - 2, (int) v);
        double t = v - i;
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
            rgb = rgb << 8 | (int) Math.round(RAMP[i][c] + t * (RAMP[i + 1][c] - RAMP[i][c]));
        }
        return rgb;
    }
}
