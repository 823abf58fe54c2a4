package lwm.engine.model;

/**
 * What running a model costs in memory, known before its weights are loaded: for routing a request to the local engine
 * or the backend.
 *
 * @param vision whether the model has LWM's second (vision) vocabulary
 * @param kvBytesPerToken the local F32 KV cache's bytes per token over all layers
 * @param workingBytesPerChunk activations of one prefill chunk (hidden states, MLP, attention blocks, logits)
 */
public record ModelFootprint(boolean vision, long parameters, long kvBytesPerToken, int maxSequenceLength, long workingBytesPerChunk) {
    /** Native runtime, buffers and allocator slack that exist whatever the model. */
    static final long RUNTIME_OVERHEAD = 512L << 20;

    /** The footprint of a LLaMA layout: KV per token from layers × hidden, working memory from one 512-token chunk. */
    public static ModelFootprint of(boolean vision, long parameters, int layers, int hidden, int intermediate, int vocab, int maxSequence) {
        long chunk = 512;
        long keyBlock = 1024;
        long working = Float.BYTES * chunk * (8L * hidden + 3L * intermediate + vocab + keyBlock * 4);
        return new ModelFootprint(vision, parameters, 2L * layers * hidden * Float.BYTES, maxSequence, working);
    }

    /** Weights in the given precision, the KV cache for {@code tokens}, one chunk's activations and runtime overhead. */
    public long bytesFor(long tokens, Precision precision) {
        return parameters * precision.bytesPerParameter() + kvBytesPerToken * tokens + workingBytesPerChunk
                + RUNTIME_OVERHEAD;
    }
}
