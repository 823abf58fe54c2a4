package lwm.test.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lwm.engine.model.Precision;
import lwm.engine.vqgan.Vqgan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * F32 Java VQGAN against the PyTorch reference (test/scripts/lwmref/vqgan.py) for LWM's full configuration and a
 * quarter-width one, in every weights format: identical codes (up to explained ties), latents and pixels.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VqganParityTest {
    /** Decoded pixels: absolute, on every value of every frame. */
    static final double PIXEL_TOLERANCE = 1e-4;
    /**
     * Latents, relative to their largest magnitude: ~40 F32 layers with up to 6912-term dot products, computed by two
     * libtorch builds whose conv kernels may sum in different orders (measured: 1.5e-6 small, 1.4e-6 full).
     */
    static final double LATENT_RELATIVE_TOLERANCE = 1e-4;

    private final LoadedModels models = new LoadedModels();

    @AfterAll
    void close() {
        models.close();
    }

    static Stream<Arguments> configsAndFiles() {
        List<Arguments> out = new ArrayList<>();
        for (String name : VqganFixtures.CONFIGS) {
            for (String file : VqganFixtures.config(name).weightFiles()) {
                out.add(Arguments.of(name, file));
            }
        }
        return out.stream();
    }

    static Stream<String> configs() {
        return VqganFixtures.CONFIGS.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configsAndFiles")
    void codesMatchReference(String name, String file) {
        VqganFixtures.Config config = VqganFixtures.config(name);
        Vqgan vqgan = models.get(config.weights(file), Precision.F32);
        float[] frames = config.frameValues();
        long start = System.nanoTime();
        int[][] codes = vqgan.encode(frames, config.frames());
        double seconds = (System.nanoTime() - start) / 1e9;
        List<String> ties = CodeComparison.check(name + "/" + file, config, codes,
                () -> vqgan.encodeLatents(frames, config.frames()), true);
        System.out.printf("vqgan %s %s: %d x %d codes, %d explained ties, encode %.2f s%n", name, file,
                codes.length, config.codesPerFrame(), ties.size(), seconds);
        ties.forEach(System.out::println);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void latentsMatchReference(String name) {
        VqganFixtures.Config config = VqganFixtures.config(name);
        Vqgan vqgan = models.get(config.weights("vqgan"), Precision.F32);
        float[] latents = vqgan.encodeLatents(config.frameValues(), config.frames());
        float[] expected = config.latents();
        double scale = PixelComparison.maxAbsDiff(expected, new float[expected.length]);
        double error = PixelComparison.maxAbsDiff(latents, expected);
        System.out.printf("vqgan %s latents: max |dz| %.3g (max |z| %.3g)%n", name, error, scale);
        assertTrue(error <= LATENT_RELATIVE_TOLERANCE * scale, name + ": max |dz| " + error);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void decodedPixelsMatchReference(String name) {
        VqganFixtures.Config config = VqganFixtures.config(name);
        Vqgan vqgan = models.get(config.weights("vqgan"), Precision.F32);
        long start = System.nanoTime();
        float[] pixels = vqgan.decode(config.codes());
        double seconds = (System.nanoTime() - start) / 1e9;
        float[] expected = config.decoded();
        double error = PixelComparison.maxAbsDiff(pixels, expected);
        int bytes = PixelComparison.checkUint8(Vqgan.toUint8(pixels), config.decodedUint8(), expected,
                PIXEL_TOLERANCE);
        System.out.printf("vqgan %s decode: max |dpixel| %.3g, %d of %d uint8 differ by one at truncation steps,"
                + " decode %.2f s%n", name, error, bytes, pixels.length, seconds);
        assertTrue(error <= PIXEL_TOLERANCE, name + ": max |dpixel| " + error);
        for (float p : pixels) {
            assertTrue(p >= -1f && p <= 1f, "pixel " + p + " outside [-1, 1]");
        }
    }

    /** The small configuration runs all its frames in one batch by default; here one at a time. */
    @Test
    void oneFramePerBatchGivesTheSameResults() {
        VqganFixtures.Config config = VqganFixtures.config("small");
        Vqgan vqgan = models.get(config.weights("vqgan"), Precision.F32);
        float[] frames = config.frameValues();
        assertTrue(vqgan.encodeBatchFrames() >= config.frames() && vqgan.decodeBatchFrames() >= config.frames());
        float[] batchedPixels = vqgan.decode(config.codes());
        vqgan.setBatchBytes(1);
        try {
            assertEquals(1, vqgan.encodeBatchFrames());
            assertEquals(1, vqgan.decodeBatchFrames());
            CodeComparison.check("small, one frame per batch", config, vqgan.encode(frames, config.frames()),
                    () -> vqgan.encodeLatents(frames, config.frames()), true);
            double error = PixelComparison.maxAbsDiff(vqgan.decode(config.codes()), batchedPixels);
            assertTrue(error <= PIXEL_TOLERANCE, "pixels depend on the batch size: " + error);
        } finally {
            vqgan.setBatchBytes(Vqgan.DEFAULT_BATCH_BYTES);
        }
    }
}
