package lwm.test.vision;

import java.util.Arrays;
import java.util.stream.IntStream;
import lwm.engine.model.Head;
import lwm.engine.model.KvCache;
import lwm.engine.model.LlamaModel;

/** Logits of every position of a mixed text/vision prompt, prefilled in chunks that carry their slice of the mask. */
final class MixedLogits {
    private MixedLogits() {}

    static float[][] all(LlamaModel model, int[] ids, boolean[] mask, Head head, int chunk) {
        float[][] out = new float[ids.length][];
        try (KvCache cache = model.newCache(ids.length)) {
            for (int from = 0; from < ids.length; from += chunk) {
                int to = Math.min(ids.length, from + chunk);
                int[] rows = IntStream.range(0, to - from).toArray();
                float[][] logits = model.forward(cache, Arrays.copyOfRange(ids, from, to),
                        Arrays.copyOfRange(mask, from, to), rows, head);
                System.arraycopy(logits, 0, out, from, logits.length);
            }
        }
        return out;
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new AssertionError(a.length + " rows vs " + b.length);
        }
        double max = 0;
        for (int r = 0; r < a.length; r++) {
            if (a[r].length != b[r].length) {
                throw new AssertionError("row " + r + ": " + a[r].length + " logits vs " + b[r].length);
            }
            for (int i = 0; i < a[r].length; i++) {
                max = Math.max(max, Math.abs((double) a[r][i] - b[r][i]));
            }
        }
        return max;
    }
}
