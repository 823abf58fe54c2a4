package lwm.engine.model;

/**
 * Rotary position tables for a range of positions, in the rotate-half layout used internally
 * (Jax checkpoints are permuted at load, reference/lwm.md §1.3.3 and §7.5).
 *
 * <p>Exactly LWM's table ({@code precompute_freqs_cis}): F32 inverse frequencies, the product
 * {@code position × invFreq} formed in double precision (numpy's int64 × float32 → float64) and rounded once to
 * F32 ({@code .astype(float32)}), then cosine and sine. The model was trained with these F32-rounded angles and
 * HF computes the same ones; keeping the unrounded double angle instead moves logits by ~1e-4 at 8K positions.
 * Tables are built per chunk, never for the whole context (LWM's is 512 MiB at 1M positions).
 */
final class Rope {
    private final float[] invFreq;

    Rope(int headDim, double theta) {
        int half = headDim / 2;
        invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            float power = (float) Math.pow(theta, exponent);
            invFreq[i] = 1.0f / power;
        }
    }

    int half() {
        return invFreq.length;
    }

    /** cos and sin for {@code count} positions starting at {@code start}, each row-major [count, headDim / 2]. */
    float[][] table(long start, int count) {
        int half = invFreq.length;
        float[] cos = new float[count * half];
        float[] sin = new float[count * half];
        for (int t = 0; t < count; t++) {
            double position = start + t;
            for (int i = 0; i < half; i++) {
                float angle = (float) (position * invFreq[i]);
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }
}
