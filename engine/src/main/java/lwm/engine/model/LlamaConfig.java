package lwm.engine.model;

/**
 * Shape and numerics of a LLaMA-2 / LWM model (reference/lwm.md §1.1-1.2).
 *
 * @param visionVocabSize 0 for text models; 8448 for LWM's vision models (second vocabulary, §1.5)
 */
public record LlamaConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int vocabSize,
        int visionVocabSize,
        double ropeTheta,
        float rmsNormEps,
        int maxSequenceLength) {

    public LlamaConfig {
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numHeads);
        requirePositive("vocab_size", vocabSize);
        requirePositive("max_sequence_length", maxSequenceLength);
        if (visionVocabSize < 0) {
            throw new IllegalArgumentException("vision_vocab_size must be >= 0, got " + visionVocabSize);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numHeads);
        }
        if (headDim(hiddenSize, numHeads) % 2 != 0) {
            throw new IllegalArgumentException("head dimension " + hiddenSize / numHeads + " must be even for RoPE");
        }
        if (!(ropeTheta > 1) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a finite number > 1, got " + ropeTheta);
        }
        if (!(rmsNormEps > 0) || rmsNormEps > 0.1f) {
            throw new IllegalArgumentException("rms_norm_eps must be in (0, 0.1], got " + rmsNormEps);
        }
    }

    public int headDim() {
        return headDim(hiddenSize, numHeads);
    }

    public boolean isVision() {
        return visionVocabSize > 0;
    }

    /** Number of parameters: embeddings, heads, and per layer four attention and three MLP matrices plus two norms. */
    public long parameterCount() {
        long d = hiddenSize;
        long vocabularies = (long) vocabSize + visionVocabSize;
        long perLayer = 4 * d * d + 3 * d * intermediateSize + 2 * d;
        return 2 * vocabularies * d + numLayers * perLayer + d;
    }

    /** Bytes of K and V for one token across all layers (the cache is F32 whatever the weight precision). */
    public long kvBytesPerToken() {
        return 2L * numLayers * hiddenSize * Float.BYTES;
    }

    private static int headDim(int hidden, int heads) {
        return hidden / heads;
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
