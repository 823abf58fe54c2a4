package lwm.test.vqgan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import lwm.engine.model.Precision;
import lwm.engine.vqgan.Vqgan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * F16 (conv weights and activations in F16, GroupNorm and SiLU in F32) against the F32 reference, on the small
 * configuration (F16 convs are slower than F32 on CPU, so the full model is left to the benchmark).
 *
 * <p>Bounds: F16 keeps 11 significant bits (unit roundoff 2^-11 ≈ 4.9e-4). A value passes about 3 roundings per
 * residual block (conv output, sum, input cast after the norm) and the deepest path crosses ~20 blocks, so with
 * random-walk accumulation its relative error is about 4.9e-4 · √60 ≈ 4e-3 of the activation scale, which GroupNorm
 * keeps near 1. Decoded pixels (std 0.5, pre-clip extremes ≈ 2.5) are bounded at 2.5e-2 max absolute (measured
 * 1.2e-2) and 2e-3 mean absolute; latents at 1e-2 of their largest magnitude. Codes may differ only at ties at F16
 * precision, checked against Java's own F16 latents as in F32.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VqganF16Test {
    static final double PIXEL_MAX = 2.5e-2;
    static final double PIXEL_MEAN = 2e-3;
    static final double LATENT_RELATIVE = 1e-2;

    private final LoadedModels models = new LoadedModels();

    @AfterAll
    void close() {
        models.close();
    }

    private Vqgan model(VqganFixtures.Config config) {
        return models.get(config.weights("vqgan.safetensors"), Precision.F16);
    }

    @Test
    void codesDifferOnlyAtF16Ties() {
        VqganFixtures.Config config = VqganFixtures.config("small");
        Vqgan vqgan = model(config);
        float[] frames = config.frameValues();
        List<String> ties = CodeComparison.check("small F16", config, vqgan.encode(frames, config.frames()),
                () -> vqgan.encodeLatents(frames, config.frames()), false);
        System.out.printf("vqgan small F16: %d of %d codes differ, all ties at F16 precision%n", ties.size(),
                config.frames() * config.codesPerFrame());
        ties.forEach(System.out::println);
    }

    @Test
    void latentsWithinF16Bound() {
        VqganFixtures.Config config = VqganFixtures.config("small");
        float[] latents = model(config).encodeLatents(config.frameValues(), config.frames());
        float[] expected = config.latents();
        double scale = PixelComparison.maxAbsDiff(expected, new float[expected.length]);
        double error = PixelComparison.maxAbsDiff(latents, expected);
        System.out.printf("vqgan small F16 latents: max |dz| %.3g (max |z| %.3g)%n", error, scale);
        assertTrue(error <= LATENT_RELATIVE * scale, "max |dz| " + error);
    }

    @Test
    void decodedPixelsWithinF16Bound() {
        VqganFixtures.Config config = VqganFixtures.config("small");
        float[] pixels = model(config).decode(config.codes());
        float[] expected = config.decoded();
        double max = PixelComparison.maxAbsDiff(pixels, expected);
        double mean = PixelComparison.meanAbsDiff(pixels, expected);
        System.out.printf("vqgan small F16 decode: max |dpixel| %.3g, mean %.3g%n", max, mean);
        assertTrue(max <= PIXEL_MAX, "max |dpixel| " + max);
        assertTrue(mean <= PIXEL_MEAN, "mean |dpixel| " + mean);
    }
}
