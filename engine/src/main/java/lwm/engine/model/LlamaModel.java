package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/**
 * The LWM / LLaMA-2 decoder (reference/lwm.md §1.3) on DJL primitives: pre-norm blocks with RMSNorm in F32,
 * rotary attention with F32 logits and a finite mask value, SwiGLU MLP, untied head, no biases.
 *
 * <p>{@link #forward} runs any number of new tokens against a {@link KvCache}: a prompt chunk during prefill,
 * one token during decode. Attention runs in libtorch's fused CPU flash-attention kernel ({@link FlashAttention}), or
 * on other devices in query tiles × key blocks with an online softmax ({@link Attention}); either way activation memory
 * grows with tile × block, never with the square of the context. Each block's intermediates are freed when the block
 * returns.
 */
public final class LlamaModel implements AutoCloseable {
    /**
     * Query rows per attention tile; with {@link #keyBlock} keys its scores take heads × 128 × keyBlock floats. 128
     * rather than 256 keeps a tile's scores nearer the cache and skips more masked keys (~5 % faster tiled 2048 prefill).
     */
    private static final int QUERY_BLOCK = 128;
    /** Rows from which F16 weights are widened to F32 for a matrix product (see {@link #linear}). */
    private static final int F16_ROWS = 128;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Precision precision;
    private final Rope rope;
    private final float scale;
    /** The fused kernel; null on devices other than the CPU, and after {@link #useTiledAttention}. */
    private FlashAttention flash;
    private int keyBlock = 2048;

    LlamaModel(LlamaConfig config, LlamaWeights weights, Precision precision) {
        this.config = config;
        this.weights = weights;
        this.precision = precision;
        this.rope = new Rope(config.headDim(), config.ropeTheta());
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        this.flash = weights.manager.getDevice().isGpu() ? null : FlashAttention.load(weights.manager);
    }

    public LlamaConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    /**
     * Runs attention in tiles with key blocks of {@code keyBlock} cached keys ({@link Attention}, the path of devices
     * without the fused kernel) instead of the fused CPU kernel; results do not depend on the choice beyond rounding.
     */
    public void useTiledAttention(int keyBlock) {
        if (keyBlock < 1) {
            throw new IllegalArgumentException("key block must be positive: " + keyBlock);
        }
        this.keyBlock = keyBlock;
        if (flash != null) {
            flash.close();
            flash = null;
        }
    }

    /** A cache for up to {@code capacity} positions (prompt plus generated tokens). */
    public KvCache newCache(int capacity) {
        if (capacity < 1 || capacity > config.maxSequenceLength()) {
            throw new IllegalArgumentException("context of " + capacity + " tokens is outside 1.."
                    + config.maxSequenceLength() + " (the model's max_sequence_length)");
        }
        return new KvCache(weights.manager, config, capacity);
    }

    /**
     * Runs {@code ids} at the positions following what {@code cache} holds, appends their keys and values,
     * and returns the logits of the requested rows (indices into {@code ids}).
     *
     * <p>This is LWM's multi-token forward (reference/lwm.md §1.5): the mask alone decides each id's vocabulary,
     * whatever {@code head} is and however many ids there are, so a prompt splits into chunks of any size. One
     * generated token fed back in LWM's sample mode goes through {@link #decode}.
     *
     * @param visionMask null for all-text input; otherwise true where the id is in the vision vocabulary
     * @param head the head whose logits are returned
     */
    public float[][] forward(KvCache cache, int[] ids, boolean[] visionMask, int[] logitRows, Head head) {
        int start = cache.length();
        int count = ids.length;
        validate(cache, ids, visionMask, head);
        float[][] result;
        try (NDScope scope = new NDScope(); NDManager tmp = weights.manager.newSubManager()) {
            NDArray x = embed(tmp, ids, visionMask);
            Rotary rotary = rotary(tmp, start, count);
            // One decoded token is a plain matrix-vector attention: the tiled path, without the module call's overhead.
            Attention attention = flash == null || count == 1 ? new Attention(tmp, start, count, QUERY_BLOCK, keyBlock) : null;
            for (int layer = 0; layer < weights.layers.length; layer++) {
                NDArray next = scopedBlock(layer, x, cache, start, rotary, attention);
                x.close();
                x = next;
            }
            result = logits(tmp, x, logitRows, head);
            scope.suppressNotUsedWarning();
        }
        cache.advance(count);
        return result;
    }

    /**
     * One decoding step in LWM's sample mode (reference/lwm.md §1.5, {@code vision_llama.py}'s single-token forward):
     * {@link Head#TEXT} embeds {@code id} with the text embedding and returns lm_head logits, {@link Head#VISION}
     * embeds it with the vision embedding and returns vision_head logits.
     */
    public float[] decode(KvCache cache, int id, Head sampleMode) {
        boolean[] mask = sampleMode == Head.VISION ? new boolean[] {true} : null;
        return forward(cache, new int[] {id}, mask, new int[] {0}, sampleMode)[0];
    }

    private void validate(KvCache cache, int[] ids, boolean[] visionMask, Head head) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        if (cache.length() + ids.length > cache.capacity()) {
            throw new IllegalArgumentException("context of " + (cache.length() + ids.length)
                    + " tokens exceeds the cache capacity " + cache.capacity());
        }
        if (visionMask != null && visionMask.length != ids.length) {
            throw new IllegalArgumentException("vision mask has " + visionMask.length + " entries for " + ids.length + " ids");
        }
        // Checked before the ids, whose vision range on a text model (0) would hide the actual problem.
        if ((head == Head.VISION || visionMask != null && anyTrue(visionMask)) && !config.isVision()) {
            throw new IllegalArgumentException("vision tokens need a vision model (LWM-Chat, with the vision embedding "
                    + "and head); this model is text-only");
        }
        for (int i = 0; i < ids.length; i++) {
            boolean vision = visionMask != null && visionMask[i];
            int limit = vision ? config.visionVocabSize() : config.vocabSize();
            if (ids[i] < 0 || ids[i] >= limit) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " is outside the "
                        + (vision ? "vision" : "text") + " vocabulary of " + limit);
            }
        }
    }

    /**
     * Rows of the text embedding, or of the vision embedding where the mask says so, mixed as LWM's vision_llama
     * does (§1.5): text·(1 − m) + vision·m with m the mask as a float column, ids read as 0 in the other table.
     */
    private NDArray embed(NDManager tmp, int[] ids, boolean[] visionMask) {
        if (visionMask == null || !anyTrue(visionMask)) {
            return rows(tmp, weights.tokenEmbedding, toLongs(ids));
        }
        long[] visionIds = new long[ids.length];
        long[] textIds = new long[ids.length];
        float[] m = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            visionIds[i] = visionMask[i] ? ids[i] : 0;
            textIds[i] = visionMask[i] ? 0 : ids[i];
            m[i] = visionMask[i] ? 1f : 0f;
        }
        NDArray mask = tmp.create(m, new Shape(ids.length, 1));
        NDArray text = rows(tmp, weights.tokenEmbedding, textIds).muli(mask.neg().addi(1f));
        return text.addi(rows(tmp, weights.visionEmbedding, visionIds).muli(mask));
    }

    /** The given rows of an embedding table, in F32. */
    private static NDArray rows(NDManager tmp, NDArray table, long[] ids) {
        return table.get(tmp, new NDIndex("{}", tmp.create(ids))).toType(DataType.FLOAT32, false);
    }

    /**
     * RoPE for q and k of one forward, applied together to the (count, 2, heads, headDim) q|k columns of the fused
     * projection: x·cos + swap(x)·sin, where swap exchanges the two halves of each head and the sign of rotate-half's
     * negated half lives in the sin table. The q rows of both tables also carry attention's 1/sqrt(headDim), so the
     * scores need no scaling pass.
     */
    private record Rotary(NDArray cos, NDArray sin, int half) {
        NDArray apply(NDArray x) {
            NDArray first = x.get(new NDIndex().addEllipseDim().addSliceDim(0, half));
            NDArray second = x.get(new NDIndex().addEllipseDim().addSliceDim(half, 2L * half));
            NDArray swapped = second.concat(first, -1).muli(sin);
            return x.mul(cos).addi(swapped);
        }
    }

    /** Tables (count, 2, 1, headDim) for q (row 0, scaled) and k (row 1), in the rotate-half layout. */
    private Rotary rotary(NDManager tmp, int start, int count) {
        float[][] table = rope.table(start, count);
        int half = rope.half();
        int headDim = 2 * half;
        float[] cos = new float[count * 2 * headDim];
        float[] sin = new float[count * 2 * headDim];
        for (int t = 0; t < count; t++) {
            for (int part = 0; part < 2; part++) {
                float factor = part == 0 ? scale : 1f;
                int row = (t * 2 + part) * headDim;
                for (int i = 0; i < headDim; i++) {
                    int j = t * half + i % half;
                    cos[row + i] = table[0][j] * factor;
                    sin[row + i] = (i < half ? -table[1][j] : table[1][j]) * factor;
                }
            }
        }
        Shape shape = new Shape(count, 2, 1, headDim);
        return new Rotary(tmp.create(cos, shape), tmp.create(sin, shape), half);
    }

    /** Runs one block in its own scope, so its intermediates are freed as soon as it returns, not per forward. */
    private NDArray scopedBlock(int layer, NDArray x, KvCache cache, int start, Rotary rotary, Attention attention) {
        try (NDScope scope = new NDScope()) {
            NDArray out = block(layer, x, cache, start, rotary, attention);
            NDScope.unregister(out);
            return out;
        }
    }

    /** One decoder block; {@code attention} is the tiled plan, or null for the fused kernel. */
    private NDArray block(int layer, NDArray x, KvCache cache, int start, Rotary rotary, Attention attention) {
        LayerWeights w = weights.layers[layer];
        int count = (int) x.getShape().get(0);
        int dim = config.hiddenSize();
        NDArray qkv = linear(rmsNorm(x, w.attentionNorm()), w.wqkv());
        NDArray qk = rotary.apply(columns(qkv, 0, 2 * dim).reshape(count, 2, config.numHeads(), config.headDim()));
        NDArray q = qk.get(new NDIndex().addAllDim().addIndices(0)).transpose(1, 0, 2);
        NDArray k = qk.get(new NDIndex().addAllDim().addIndices(1)).transpose(1, 0, 2);
        NDArray v = columns(qkv, 2 * dim, 3 * dim).reshape(count, config.numHeads(), config.headDim()).transpose(1, 0, 2);
        cache.write(layer, start, k, v);
        int end = start + count;
        NDArray keys = cache.keys(layer, end);
        NDArray values = cache.values(layer, end);
        NDArray attended = attention == null ? flash.apply(q, keys, values, start) : attention.apply(q, keys, values);
        NDArray h = linear(attended, w.wo()).addi(x);

        int hidden = config.intermediateSize();
        NDArray gateUp = linear(rmsNorm(h, w.ffnNorm()), w.w13());
        NDArray gate = columns(gateUp, 0, hidden);
        NDArray act = Activation.sigmoid(gate).muli(gate).muli(columns(gateUp, hidden, 2 * hidden)); // silu(gate) · up
        return h.addi(linear(act, w.w2()));
    }

    /** Columns [from, to) of a (rows, columns) matrix, as a view. */
    private static NDArray columns(NDArray matrix, int from, int to) {
        return matrix.get(new NDIndex().addAllDim().addSliceDim(from, to));
    }

    /** Normalizes in F32 (x · rsqrt(mean(x²) + eps)), then scales by the F32 weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray inverseRms = x.square().mean(new int[] {-1}, true).addi(config.rmsNormEps()).pow(-0.5f);
        return x.mul(inverseRms).muli(weight);
    }

    /**
     * x · Wᵀ, returned in F32. F16 weights multiply in F16 for fewer than {@link #F16_ROWS} rows (decode: a
     * matrix-vector product that mostly reads the weight, half the bytes in F16); for more rows they are widened to a
     * transient F32 copy first, because libtorch's CPU F16 matrix product is several times slower than F32 on CPUs
     * without native F16 arithmetic (3-4x at 64-2048 rows on an AVX-512 AMD EPYC).
     */
    private NDArray linear(NDArray x, NDArray weight) {
        if (precision == Precision.F32) {
            return Linear.linear(x, weight).singletonOrThrow();
        }
        if (x.getShape().get(0) < F16_ROWS) {
            NDArray out = Linear.linear(x.toType(DataType.FLOAT16, false), weight).singletonOrThrow();
            return out.toType(DataType.FLOAT32, false);
        }
        try (NDArray wide = weight.toType(DataType.FLOAT32, false)) {
            return Linear.linear(x, wide).singletonOrThrow();
        }
    }

    private float[][] logits(NDManager tmp, NDArray x, int[] rows, Head head) {
        if (rows.length == 0) {
            return new float[0][];
        }
        NDArray selected = x.get(tmp, new NDIndex("{}", tmp.create(toLongs(rows))));
        NDArray matrix = head == Head.VISION ? weights.visionHead : weights.lmHead;
        NDArray logits = linear(rmsNorm(selected, weights.finalNorm), matrix);
        float[] flat = logits.toFloatArray();
        int vocab = (int) matrix.getShape().get(0);
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, r * vocab, (r + 1) * vocab);
        }
        return out;
    }

    private static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static boolean anyTrue(boolean[] values) {
        for (boolean v : values) {
            if (v) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (flash != null) {
            flash.close();
        }
        weights.close();
    }
}
