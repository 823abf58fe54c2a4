package lwm.test;

import lwm.engine.model.Head;
import lwm.engine.model.KvCache;
import lwm.engine.model.LlamaModel;

/** Runs prompts through a model and compares logit rows. */
final class Logits {
    private Logits() {}

    /** Logits at {@code positions} of {@code ids}, prefilled in chunks of {@code chunk} tokens. */
    static float[][] at(LlamaModel model, int[] ids, int[] positions, int chunk) {
        float[][] out = new float[positions.length][];
        try (KvCache cache = model.newCache(ids.length)) {
            int next = 0;
            for (int from = 0; from < ids.length; from += chunk) {
                int to = Math.min(ids.length, from + chunk);
                int first = next;
                while (next < positions.length && positions[next] < to) {
                    next++;
                }
                int[] rows = new int[next - first];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = positions[first + i] - from;
                }
                float[][] chunkLogits = model.forward(cache, java.util.Arrays.copyOfRange(ids, from, to), null, rows,
                        Head.TEXT);
                System.arraycopy(chunkLogits, 0, out, first, rows.length);
            }
        }
        return out;
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int r = 0; r < a.length; r++) {
            for (int i = 0; i < a[r].length; i++) {
                max = Math.max(max, Math.abs((double) a[r][i] - b[r][i]));
            }
        }
        return max;
    }

    static double maxAbs(float[][] a) {
        double max = 0;
        for (float[] row : a) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }
}
