package lwm.test.vqgan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import lwm.engine.weights.SafetensorsFile;
import lwm.engine.weights.TensorConversions;

/**
 * Compares Java's codes with the reference's. A differing code is accepted only when it is a tie at the precision
 * the two latents agree to: moving a latent by Δz changes the difference of its distances to codebook rows a and b
 * by at most 2·||Δz||·||e_a − e_b||, so Java may pick code j over the reference's r only when
 * d_ref(j) − d_ref(r) ≤ 2·||z_java − z_ref||·||e_j − e_r|| + 1e-5·(||z||² + ||e_j||² + ||e_r||²) (the last term
 * covers rounding in the F32 distances themselves). Every accepted difference is reported.
 */
final class CodeComparison {
    private static final double ROUNDING = 1e-5;

    private CodeComparison() {
    }

    /**
     * Fails unless every code equals the reference's or is an explained tie.
     *
     * @param javaLatents  Java's quant_conv output for the same frames, computed only if some code differs
     * @param secondBestOnly true (F32): a differing code must also be the reference's second-best
     * @return one line per explained tie
     */
    static List<String> check(String what, VqganFixtures.Config config, int[][] actual, Supplier<float[]> javaLatents,
            boolean secondBestOnly) {
        int[][] expected = config.codes();
        int[][] second = config.secondCodes();
        float[] gaps = config.gaps();
        float[] referenceLatents = config.latents();
        float[] codebook = null;
        float[] latents = null;
        int dim = config.embedDim();
        List<String> explained = new ArrayList<>();
        List<String> unexplained = new ArrayList<>();
        for (int f = 0; f < expected.length; f++) {
            for (int i = 0; i < expected[f].length; i++) {
                int r = expected[f][i];
                int j = actual[f][i];
                if (r == j) {
                    continue;
                }
                if (codebook == null) {
                    codebook = codebook(config);
                    latents = javaLatents.get();
                }
                int row = (f * expected[f].length + i) * dim;
                double gap = squaredDistance(referenceLatents, row, codebook, j * dim, dim)
                        - squaredDistance(referenceLatents, row, codebook, r * dim, dim);
                double bound = 2 * Math.sqrt(squaredDistance(latents, row, referenceLatents, row, dim))
                        * Math.sqrt(squaredDistance(codebook, j * dim, codebook, r * dim, dim))
                        + ROUNDING * (norm2(referenceLatents, row, dim) + norm2(codebook, j * dim, dim)
                        + norm2(codebook, r * dim, dim));
                String line = String.format("%s frame %d position %d: Java %d, reference %d (second-best %d, "
                        + "recorded gap %.3g); d_ref(%d) - d_ref(%d) = %.3g, tie bound %.3g", what, f, i, j, r,
                        second[f][i], gaps[f * expected[f].length + i], j, r, gap, bound);
                boolean ok = gap <= bound && (!secondBestOnly || j == second[f][i]);
                (ok ? explained : unexplained).add(line);
            }
        }
        assertTrue(unexplained.isEmpty(), "codes differ beyond ties:\n" + String.join("\n", unexplained));
        return explained;
    }

    private static float[] codebook(VqganFixtures.Config config) {
        try (SafetensorsFile file = SafetensorsFile.open(config.weights("vqgan.safetensors"))) {
            FloatBuffer values = TensorConversions.toF32(file.tensor("quantize/embeddings")).asFloatBuffer();
            float[] out = new float[values.remaining()];
            values.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double squaredDistance(float[] a, int aOffset, float[] b, int bOffset, int n) {
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double d = (double) a[aOffset + k] - b[bOffset + k];
            sum += d * d;
        }
        return sum;
    }

    private static double norm2(float[] a, int offset, int n) {
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += (double) a[offset + k] * a[offset + k];
        }
        return sum;
    }
}
