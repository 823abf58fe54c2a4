package lwm.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder block in the internal convention: torch-style (out, in) matrices, rotate-half RoPE rows.
 * Q, K and V are stacked into one matrix and the gate/up projections into another, so each block
 * runs four matmuls instead of seven.
 */
record LayerWeights(
        NDArray attentionNorm, // (dim) F32
        NDArray wqkv, // (3 * dim, dim)
        NDArray wo, // (dim, dim)
        NDArray ffnNorm, // (dim) F32
        NDArray w13, // (2 * hidden, dim): gate (w1) rows, then up (w3) rows
        NDArray w2) { // (dim, hidden)
}
