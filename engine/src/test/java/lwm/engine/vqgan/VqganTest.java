package lwm.engine.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lwm.engine.model.Precision;
import lwm.engine.weights.CheckpointException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The public API on a small random VQGAN: shapes, batching, input checks, LWM's uint8 rule. */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VqganTest {
    private static final int GRID = 64;
    private Vqgan vqgan;

    @BeforeAll
    void load() throws CheckpointException {
        vqgan = new Vqgan(VqganWeights.load(new MapCheckpoint(TinyVqgan.parameters(1)), MapCheckpoint.FILE,
                Precision.F32));
    }

    @AfterAll
    void close() {
        vqgan.close();
    }

    /** Diagonal colour gradients, one per frame, in [-1, 1]. */
    static float[] frames(int count) {
        int r = VqganConfig.RESOLUTION;
        float[] out = new float[count * r * r * 3];
        for (int f = 0; f < count; f++) {
            for (int y = 0; y < r; y++) {
                for (int x = 0; x < r; x++) {
                    int at = ((f * r + y) * r + x) * 3;
                    out[at] = 2f * x / (r - 1) - 1f;
                    out[at + 1] = 2f * y / (r - 1) - 1f;
                    out[at + 2] = (float) Math.sin(0.05 * (x + y) + f);
                }
            }
        }
        return out;
    }

    @Test
    void configurationComesFromTheWeights() {
        VqganConfig c = vqgan.config();
        assertEquals(3, c.inChannels());
        assertEquals(32, c.hidden());
        assertArrayEquals(TinyVqgan.WIDTHS, c.widths());
        assertEquals(TinyVqgan.RES_BLOCKS, c.numResBlocks());
        assertEquals(TinyVqgan.Z, c.zChannels());
        assertEquals(TinyVqgan.CODES, c.numEmbeddings());
        assertEquals(TinyVqgan.DIM, c.embedDim());
        assertEquals(GRID, c.grid());
    }

    @Test
    void encodeGivesAGridOfCodesPerFrame() {
        int[][] codes = vqgan.encode(frames(2), 2);
        assertEquals(2, codes.length);
        for (int[] frame : codes) {
            assertEquals(GRID * GRID, frame.length);
            for (int code : frame) {
                assertTrue(code >= 0 && code < TinyVqgan.CODES, "code " + code);
            }
        }
        assertEquals(0, vqgan.encode(new float[0], 0).length);
    }

    @Test
    void latentsAreTheQuantizersInput() {
        float[] latents = vqgan.encodeLatents(frames(1), 1);
        assertEquals(GRID * GRID * TinyVqgan.DIM, latents.length);
        for (float v : latents) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void decodeGivesClippedPixels() {
        int[][] codes = vqgan.encode(frames(2), 2);
        float[] pixels = vqgan.decode(codes);
        assertEquals(2 * VqganConfig.RESOLUTION * VqganConfig.RESOLUTION * 3, pixels.length);
        for (float p : pixels) {
            assertTrue(p >= -1f && p <= 1f, "pixel " + p);
        }
    }

    @Test
    void batchSizeDoesNotChangeResults() {
        float[] frames = frames(2);
        int[][] codes = vqgan.encode(frames, 2);
        float[] pixels = vqgan.decode(codes);
        assertTrue(vqgan.encodeBatchFrames() >= 2 && vqgan.decodeBatchFrames() >= 2, "default budget batches both");
        vqgan.setBatchBytes(1);
        try {
            assertEquals(1, vqgan.encodeBatchFrames());
            assertEquals(1, vqgan.decodeBatchFrames());
            int[][] single = vqgan.encode(frames, 2);
            for (int f = 0; f < 2; f++) {
                assertArrayEquals(codes[f], single[f], "frame " + f);
            }
            assertArrayEquals(pixels, vqgan.decode(codes), 1e-5f);
        } finally {
            vqgan.setBatchBytes(Vqgan.DEFAULT_BATCH_BYTES);
        }
    }

    @Test
    void rejectsMalformedInput() {
        assertMessage(() -> vqgan.encode(new float[10], 1), "10 floats for 1 frames");
        assertMessage(() -> vqgan.encode(new float[0], -1), "negative frame count");
        int[] good = new int[GRID * GRID];
        assertMessage(() -> vqgan.decode(new int[][] {good, new int[3]}), "frame 1 has 3 codes");
        assertMessage(() -> vqgan.decode(new int[][] {null}), "frame 0 has no codes");
        int[] outside = good.clone();
        outside[17] = TinyVqgan.CODES;
        assertMessage(() -> vqgan.decode(new int[][] {outside}), "frame 0, position 17: code 32 is outside");
        outside[17] = -1;
        assertMessage(() -> vqgan.decode(new int[][] {outside}), "code -1 is outside");
        assertMessage(() -> vqgan.setBatchBytes(0), "must be positive");
        assertMessage(() -> vqgan.decode(new int[vqgan.maxFramesPerCall() + 1][]), "frames exceed the");
    }

    @Test
    void uint8TruncatesLikeLwm() {
        float[] pixels = {-1f, 1f, 0f, -0.999f, 0.9999f, 0.5f, -2f, 2f, Math.nextDown(0f)};
        byte[] bytes = Vqgan.toUint8(pixels);
        int[] expected = {0, 255, 127, 0, 254, 191, 0, 255, 127};
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(expected[i], Byte.toUnsignedInt(bytes[i]), "pixel " + pixels[i]);
        }
    }

    @Test
    void f16RunsWithTheSameShapes() throws CheckpointException {
        try (Vqgan half = new Vqgan(VqganWeights.load(new MapCheckpoint(TinyVqgan.parameters(1)),
                MapCheckpoint.FILE, Precision.F16))) {
            int[][] codes = half.encode(frames(1), 1);
            assertEquals(GRID * GRID, codes[0].length);
            float[] pixels = half.decode(codes);
            float[] reference = vqgan.decode(codes);
            double max = 0;
            for (int i = 0; i < pixels.length; i++) {
                max = Math.max(max, Math.abs(pixels[i] - reference[i]));
            }
            assertTrue(max < 0.05, "F16 decode differs from F32 by " + max);
        }
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
