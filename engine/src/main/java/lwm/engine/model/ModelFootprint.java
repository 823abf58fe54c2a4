package lwm.engine.model;

/**
 * What running a model costs in memory, known before its weights are loaded: for routing a request to the local engine
 * or the backend.
 *
 * @param vision whether the model has LWM's second (vision) vocabulary
 * @param vocabSize rows of the text embedding: ids a tokenizer may produce
 * @param kvBytesPerToken the local F32 KV cache's bytes per token over all layers
 * @param workingBytesPerChunk activations of one prefill chunk (hidden states, MLP, attention blocks, logits)
 */
public record ModelFootprint(boolean vision, int vocabSize, long parameters, long kvBytesPerToken, int maxSequenceLength, long workingBytesPerChunk) {
    /** Native runtime, buffers and allocator slack that exist whatever the model. */
    static final long RUNTIME_OVERHEAD = 512L << 20;

    /** The footprint of a LLaMA layout: KV per token from layers × hidden, working memory from one 512-token chunk. */
    public static ModelFootprint of(LlamaConfig config, long parameters) {
        long chunk = 512;
        long keyBlock = 1024;
        long vocab = (long) config.vocabSize() + config.visionVocabSize();
        long working = Float.BYTES * chunk * (8L * config.hiddenSize() + 3L * config.intermediateSize() + vocab
                + keyBlock * 4);
        return new ModelFootprint(config.isVision(), config.vocabSize(), parameters, config.kvBytesPerToken(), config.maxSequenceLength(),
                working);
    }

    /** Weights in the given precision, the KV cache for {@code tokens}, one chunk's activations and runtime overhead. */
    public long bytesFor(long tokens, Precision precision) {
        return parameters * precision.bytesPerParameter() + kvBytesPerToken * tokens + workingBytesPerChunk
                + RUNTIME_OVERHEAD;
    }
}
