package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The codebook (lwm.md §3.4): a latent's code is the row with the smallest Euclidean distance
 * ||z||² + ||e||² − 2 z·e, found with one matmul per batch. ||z||² is the same for every row of a latent, so only
 * ||e||² − 2 z·e is compared; argmin returns the lowest index among equal distances, as numpy's and Jax's do.
 *
 * @param codebook    (rows, dim) F32
 * @param transposed  (dim, rows) F32, contiguous for the matmul
 * @param squaredNorm (rows) F32
 */
record Quantizer(NDArray codebook, NDArray transposed, NDArray squaredNorm) {

    static Quantizer of(NDArray codebook) {
        NDArray transposed = codebook.transpose().flatten().reshape(codebook.getShape().get(1),
                codebook.getShape().get(0));
        return new Quantizer(codebook, transposed, codebook.square().sum(new int[] {1}));
    }

    int rows() {
        return (int) codebook.getShape().get(0);
    }

    /** Codes of latents (n, dim) F32. */
    long[] codes(NDArray latents) {
        NDArray distance = latents.matMul(transposed).muli(-2f).addi(squaredNorm);
        return distance.argMin(1).toLongArray();
    }

    /** Codebook rows (codes.length, dim) F32, in {@code manager}. */
    NDArray lookup(NDManager manager, long[] codes) {
        return codebook.get(manager, new NDIndex("{}", manager.create(codes)));
    }
}
