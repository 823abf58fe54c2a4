package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 * one token during decode. Attention walks the cached keys in blocks with an online softmax, so activation
 * memory grows with chunk × block, never with the square of the context.
 */
public final class LlamaModel implements AutoCloseable {
    /** The finite value masked attention logits get (finfo(float32).min, as LWM and HF use). */
    static final float MASK_VALUE = -Float.MAX_VALUE;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Precision precision;
    private final Rope rope;
    private final float scale;
    private int keyBlock = 1024;

    LlamaModel(LlamaConfig config, LlamaWeights weights, Precision precision) {
        this.config = config;
        this.weights = weights;
        this.precision = precision;
        this.rope = new Rope(config.headDim(), config.ropeTheta());
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    public LlamaConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    /** Number of cached keys each attention block covers; results do not depend on it beyond rounding. */
    public void setKeyBlock(int keyBlock) {
        if (keyBlock < 1) {
            throw new IllegalArgumentException("key block must be positive: " + keyBlock);
        }
        this.keyBlock = keyBlock;
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
            NDArray[] cosSin = rotaryTables(tmp, start, count);
            for (int layer = 0; layer < weights.layers.length; layer++) {
                x = block(layer, x, cache, start, cosSin[0], cosSin[1]);
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

    /** cos and sin, each (1, count, headDim) in the rotate-half layout [c0..c(h-1), c0..c(h-1)]. */
    private NDArray[] rotaryTables(NDManager tmp, int start, int count) {
        float[][] table = rope.table(start, count);
        Shape shape = new Shape(1, count, rope.half());
        NDArray cos = tmp.create(table[0], shape);
        NDArray sin = tmp.create(table[1], shape);
        return new NDArray[] {cos.concat(cos, -1), sin.concat(sin, -1)};
    }

    private NDArray block(int layer, NDArray x, KvCache cache, int start, NDArray cos, NDArray sin) {
        LayerWeights w = weights.layers[layer];
        int count = (int) x.getShape().get(0);
        int dim = config.hiddenSize();
        NDArray qkv = linear(rmsNorm(x, w.attentionNorm()), w.wqkv());
        NDArray q = rotate(heads(qkv, 0, count), cos, sin);
        NDArray k = rotate(heads(qkv, dim, count), cos, sin);
        NDArray v = heads(qkv, 2 * dim, count);
        cache.write(layer, start, k, v);
        int end = start + count;
        NDArray attention = attention(q, cache.keys(layer, end), cache.values(layer, end), start);
        NDArray merged = attention.transpose(1, 0, 2).reshape(count, dim);
        NDArray h = x.add(linear(merged, w.wo()));

        NDArray gateUp = linear(rmsNorm(h, w.ffnNorm()), w.w13());
        int hidden = config.intermediateSize();
        NDArray gate = gateUp.get(new NDIndex(":, 0:{}", hidden));
        NDArray up = gateUp.get(new NDIndex(":, {}:", hidden));
        NDArray act = gate.mul(Activation.sigmoid(gate)).muli(up); // silu(gate) · up
        return h.addi(linear(act, w.w2()));
    }

    /** Columns [offset, offset + dim) of a (count, 3·dim) projection as (heads, count, headDim). */
    private NDArray heads(NDArray qkv, int offset, int count) {
        NDArray part = qkv.get(new NDIndex(":, {}:{}", offset, offset + config.hiddenSize()));
        return part.reshape(count, config.numHeads(), config.headDim()).transpose(1, 0, 2);
    }

    private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        int half = rope.half();
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = second.neg().concat(first, -1);
        return x.mul(cos).addi(rotated.muli(sin));
    }

    /** Normalizes in F32 (x · rsqrt(mean(x²) + eps)), then scales by the F32 weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray inverseRms = x.square().mean(new int[] {-1}, true).addi(config.rmsNormEps()).pow(-0.5f);
        return x.mul(inverseRms).muli(weight);
    }

    /** x · Wᵀ in the weight precision, returned in F32. */
    private NDArray linear(NDArray x, NDArray weight) {
        if (precision == Precision.F32) {
            return Linear.linear(x, weight).singletonOrThrow();
        }
        NDArray out = Linear.linear(x.toType(DataType.FLOAT16, false), weight).singletonOrThrow();
        return out.toType(DataType.FLOAT32, false);
    }

    /**
     * Causal attention of queries at positions [start, start + count) over cached keys [0, start + count),
     * one key block at a time with an online softmax in F32.
     */
    private NDArray attention(NDArray q, NDArray keys, NDArray values, int start) {
        int count = (int) q.getShape().get(1);
        int total = start + count;
        if (total <= keyBlock) {
            NDArray scores = q.matMul(keys.transpose(0, 2, 1)).muli(scale);
            NDArray mask = causalMask(q.getManager(), start, count, 0, total);
            if (mask != null) {
                scores = scores.addi(mask);
            }
            return scores.softmax(-1).matMul(values);
        }
        NDArray max = null;
        NDArray sum = null;
        NDArray acc = null;
        for (int from = 0; from < total; from += keyBlock) {
            int to = Math.min(total, from + keyBlock);
            NDIndex block = new NDIndex(":, {}:{}, :", from, to);
            NDArray scores = q.matMul(keys.get(block).transpose(0, 2, 1)).muli(scale);
            NDArray mask = causalMask(q.getManager(), start, count, from, to);
            if (mask != null) {
                scores = scores.addi(mask);
            }
            NDArray blockMax = scores.max(new int[] {-1}, true);
            NDArray newMax = max == null ? blockMax : NDArrays.maximum(max, blockMax);
            NDArray p = scores.subi(newMax).exp();
            NDArray pv = p.matMul(values.get(block));
            NDArray pSum = p.sum(new int[] {-1}, true);
            if (max == null) {
                sum = pSum;
                acc = pv;
            } else {
                NDArray correction = max.sub(newMax).exp();
                sum = sum.muli(correction).addi(pSum);
                acc = acc.muli(correction).addi(pv);
            }
            max = newMax;
        }
        return acc.divi(sum);
    }

    /**
     * Additive mask (count, to - from) for keys [from, to) seen by queries at [start, start + count): 0 where the
     * key is at or before the query, {@link #MASK_VALUE} after it; null when nothing in the block is masked.
     */
    private static NDArray causalMask(NDManager manager, int start, int count, int from, int to) {
        if (to - 1 <= start) {
            return null;
        }
        int width = to - from;
        float[] mask = new float[count * width];
        for (int i = 0; i < count; i++) {
            int firstMasked = Math.max(0, start + i + 1 - from);
            java.util.Arrays.fill(mask, i * width + Math.min(firstMasked, width), (i + 1) * width, MASK_VALUE);
        }
        return manager.create(mask, new Shape(count, width));
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
        weights.close();
    }
}
