package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** All parameters of a loaded model, owned by one NDManager. */
final class LlamaWeights implements AutoCloseable {
    final NDManager manager;
    final NDArray tokenEmbedding; // (vocab, dim)
    final NDArray visionEmbedding; // (visionVocab, dim) or null for text models
    final LayerWeights[] layers;
    final NDArray finalNorm; // (dim) F32
    final NDArray lmHead; // (vocab, dim)
    final NDArray visionHead; // (visionVocab, dim) or null

    LlamaWeights(NDManager manager, NDArray tokenEmbedding, NDArray visionEmbedding, LayerWeights[] layers,
            NDArray finalNorm, NDArray lmHead, NDArray visionHead) {
        this.manager = manager;
        this.tokenEmbedding = tokenEmbedding;
        this.visionEmbedding = visionEmbedding;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.visionHead = visionHead;
    }

    @Override
    public void close() {
        manager.close();
    }
}
