package lwm.engine.generate;

/** The highest logits of one decoding step, best first. */
public record TopLogits(int[] ids, float[] logits) {
    static TopLogits of(float[] logits, int k) {
        int n = Math.min(k, logits.length);
        int[] ids = new int[n];
        float[] values = new float[n];
        int filled = 0;
        for (int id = 0; id < logits.length; id++) {
            float v = logits[id];
            if (filled < n || v > values[filled - 1]) {
                int pos = filled < n ? filled++ : n - 1;
                while (pos > 0 && values[pos - 1] < v) {
                    ids[pos] = ids[pos - 1];
                    values[pos] = values[pos - 1];
                    pos--;
                }
                ids[pos] = id;
                values[pos] = v;
            }
        }
        return new TopLogits(ids, values);
    }
}
