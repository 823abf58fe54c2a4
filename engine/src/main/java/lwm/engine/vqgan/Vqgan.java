package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import lwm.engine.model.Precision;

/**
 * LWM's VQGAN: 256 × 256 frames to a grid of codebook indices and back (lwm.md §3). Frames and pixels are float NHWC
 * in [−1, 1] ({@code uint8 / 127.5 − 1}); codes are row-major per frame. Work is batched over frames, as many per
 * batch as fit in the activation budget ({@link #setBatchBytes}). Not thread-safe: use one instance per thread.
 */
public final class Vqgan implements AutoCloseable {
    /** Default activation budget per batch. */
    public static final long DEFAULT_BATCH_BYTES = 1L << 30;
    /**
     * Live F32 tensors of the widest level's size at a residual block's peak (block input, x², normalized, sigmoid,
     * conv output, plus the conv's own workspace): sizes a batch from {@link #setBatchBytes}.
     */
    private static final int PEAK_ACTIVATIONS = 6;

    private final VqganWeights weights;
    private final VqganConfig config;
    private final DataType compute;
    private long batchBytes = DEFAULT_BATCH_BYTES;

    /** Takes ownership of {@code weights}. */
    public Vqgan(VqganWeights weights) {
        this.weights = weights;
        this.config = weights.config();
        this.compute = weights.precision().dataType();
    }

    public static Vqgan load(Path file, Precision precision) throws IOException {
        return new Vqgan(VqganWeights.load(file, precision));
    }

    public VqganConfig config() {
        return config;
    }

    public Precision precision() {
        return weights.precision();
    }

    /** Bytes of activations one batch may use; at least one frame runs per batch whatever the budget. */
    public void setBatchBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("batch budget must be positive: " + bytes);
        }
        this.batchBytes = bytes;
    }

    /** Frames per encoder batch under the current budget. */
    public int encodeBatchFrames() {
        return framesPerBatch(false);
    }

    /** Frames per decoder batch under the current budget. */
    public int decodeBatchFrames() {
        return framesPerBatch(true);
    }

    /**
     * Codes of {@code count} frames.
     *
     * @param frames {@code count × 256 × 256 × channels} floats, NHWC
     * @return per frame, {@code grid × grid} codes in row-major order
     */
    public int[][] encode(float[] frames, int count) {
        checkFrames(frames, count);
        int perFrame = config.codesPerFrame();
        int[][] codes = new int[count][perFrame];
        forEachBatch(count, encodeBatchFrames(), (tmp, from, n) -> {
            long[] flat = weights.quantizer().codes(latents(tmp, frames, from, n));
            for (int i = 0; i < flat.length; i++) {
                codes[from + i / perFrame][i % perFrame] = (int) flat[i];
            }
        });
        return codes;
    }

    /**
     * The vectors the quantizer matches (quant_conv's output) of {@code count} frames: {@code count × grid × grid ×
     * embedDim} floats, NHWC. For diagnostics and parity checks.
     */
    public float[] encodeLatents(float[] frames, int count) {
        checkFrames(frames, count);
        int perFrame = config.codesPerFrame() * config.embedDim();
        float[] out = new float[count * perFrame];
        forEachBatch(count, encodeBatchFrames(), (tmp, from, n) -> {
            float[] values = latents(tmp, frames, from, n).toFloatArray();
            System.arraycopy(values, 0, out, from * perFrame, values.length);
        });
        return out;
    }

    /**
     * Pixels of the frames the codes describe, clipped to [−1, 1].
     *
     * @param codes per frame, {@code grid × grid} codes in {@code [0, numEmbeddings)}, row-major
     * @return {@code codes.length × 256 × 256 × channels} floats, NHWC
     */
    public float[] decode(int[][] codes) {
        checkCodes(codes);
        int perFrame = config.valuesPerFrame();
        float[] out = new float[codes.length * perFrame];
        forEachBatch(codes.length, decodeBatchFrames(), (tmp, from, n) -> {
            float[] values = pixels(tmp, codes, from, n).toFloatArray();
            System.arraycopy(values, 0, out, from * perFrame, values.length);
        });
        return out;
    }

    /** Most frames one call can take: the pixels of all of them must fit in one Java array. */
    public int maxFramesPerCall() {
        return Integer.MAX_VALUE / config.valuesPerFrame();
    }

    /** Work on frames [from, from + n), with a manager that is closed, freeing every tensor, when it returns. */
    private interface BatchStep {
        void run(NDManager tmp, int from, int n);
    }

    private void forEachBatch(int count, int batch, BatchStep step) {
        for (int from = 0; from < count; from += batch) {
            try (NDManager tmp = weights.manager().newSubManager()) {
                step.run(tmp, from, Math.min(batch, count - from));
            }
        }
    }

    /** LWM's saving rule: {@code uint8((x + 1) · 127.5)}, truncating, in float; saturates outside [−1, 1]. */
    public static byte[] toUint8(float[] pixels) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            float scaled = (pixels[i] + 1f) * 127.5f;
            out[i] = (byte) Math.max(0, Math.min(255, (int) scaled));
        }
        return out;
    }

    /** quant_conv output of frames [from, from + n) as (n · grid · grid, embedDim) F32. */
    private NDArray latents(NDManager tmp, float[] frames, int from, int n) {
        int r = VqganConfig.RESOLUTION;
        int perFrame = config.valuesPerFrame();
        NDArray nhwc = tmp.create(FloatBuffer.wrap(frames, from * perFrame, n * perFrame),
                new Shape(n, r, r, config.inChannels()));
        NDArray z = weights.encoder().apply(channelsLast(nhwc).toType(compute, false));
        return z.transpose(0, 2, 3, 1).toType(DataType.FLOAT32, false).reshape(-1, config.embedDim());
    }

    /** Decoded, clipped pixels of codes [from, from + n) as (n, 256, 256, channels) F32. */
    private NDArray pixels(NDManager tmp, int[][] codes, int from, int n) {
        int perFrame = config.codesPerFrame();
        long[] flat = new long[n * perFrame];
        for (int f = 0; f < n; f++) {
            for (int i = 0; i < perFrame; i++) {
                flat[f * perFrame + i] = codes[from + f][i];
            }
        }
        int g = config.grid();
        NDArray vectors = weights.quantizer().lookup(tmp, flat).reshape(n, g, g, config.embedDim());
        NDArray out = weights.decoder().apply(channelsLast(vectors).toType(compute, false));
        return out.transpose(0, 2, 3, 1).toType(DataType.FLOAT32, false).clip(-1f, 1f);
    }

    /**
     * NHWC data as the (N, C, H, W) tensor every layer takes, without moving it: torch sees channels-last strides,
     * keeps them through every conv, norm and resampling (oneDNN's convs are fastest that way), and the results
     * transpose back to NHWC for free.
     */
    private static NDArray channelsLast(NDArray nhwc) {
        return nhwc.transpose(0, 3, 1, 2);
    }

    private int framesPerBatch(boolean decoder) {
        long perFrame = 0;
        for (int level = 0; level < config.levels(); level++) {
            // The decoder upsamples the next level's width to this level's resolution before narrowing it.
            int width = decoder && level + 1 < config.levels()
                    ? Math.max(config.width(level), config.width(level + 1)) : config.width(level);
            long side = config.resolution(level);
            perFrame = Math.max(perFrame, side * side * width * Float.BYTES * PEAK_ACTIVATIONS);
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, batchBytes / perFrame));
    }

    private void checkFrames(float[] frames, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative frame count " + count);
        }
        checkCount(count);
        long expected = (long) count * config.valuesPerFrame();
        if (frames.length != expected) {
            throw new IllegalArgumentException(frames.length + " floats for " + count + " frames of "
                    + VqganConfig.RESOLUTION + " x " + VqganConfig.RESOLUTION + " x " + config.inChannels()
                    + " (NHWC) = " + expected);
        }
    }

    private void checkCount(int count) {
        if (count > maxFramesPerCall()) {
            throw new IllegalArgumentException(count + " frames exceed the " + maxFramesPerCall() + " one call can"
                    + " take (their pixels must fit in one Java array)");
        }
    }

    private void checkCodes(int[][] codes) {
        checkCount(codes.length);
        for (int f = 0; f < codes.length; f++) {
            if (codes[f] == null || codes[f].length != config.codesPerFrame()) {
                throw new IllegalArgumentException("frame " + f + " has " + (codes[f] == null ? "no" : codes[f].length)
                        + " codes; a frame has " + config.grid() + " x " + config.grid() + " = "
                        + config.codesPerFrame());
            }
            for (int i = 0; i < codes[f].length; i++) {
                int code = codes[f][i];
                if (code < 0 || code >= config.numEmbeddings()) {
                    throw new IllegalArgumentException("frame " + f + ", position " + i + ": code " + code
                            + " is outside the codebook [0, " + config.numEmbeddings() + ")");
                }
            }
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
