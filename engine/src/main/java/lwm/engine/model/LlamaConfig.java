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
        // Upper bounds far above any released LLaMA (LWM: 4096, 11008, 32, 32000 + 8448, 1M tokens) so that a
        // damaged config is refused here, naming the field, and no size derived from these overflows a long.
        requireInRange("hidden_size", hiddenSize, 1, 1 << 16);
        requireInRange("intermediate_size", intermediateSize, 1, 1 << 18);
        requireInRange("num_hidden_layers", numLayers, 1, 1 << 10);
        checkHeads(numHeads, 1);
        requireInRange("vocab_size", vocabSize, 1, 1 << 22);
        requireInRange("vision_vocab_size", visionVocabSize, 0, 1 << 22);
        checkSequenceLength(maxSequenceLength);
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numHeads);
        }
        if (headDim(hiddenSize, numHeads) % 2 != 0) {
            throw new IllegalArgumentException("head dimension " + hiddenSize / numHeads + " must be even for RoPE");
        }
        checkRopeTheta(ropeTheta);
        checkRmsNormEps(rmsNormEps);
    }

    /** The checks of settings that files other than the checkpoint record (LWM's lwm_config.json). */
    static void checkHeads(int numHeads, int min) {
        requireInRange("num_attention_heads", numHeads, min, 1 << 12);
    }

    static void checkSequenceLength(int maxSequenceLength) {
        requireInRange("max_sequence_length (max_position_embeddings)", maxSequenceLength, 1, 1 << 26);
    }

    static void checkRopeTheta(double ropeTheta) {
        if (!(ropeTheta > 1) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a finite number > 1, got " + ropeTheta);
        }
    }

    static void checkRmsNormEps(float rmsNormEps) {
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

    private static void requireInRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
