package lwm.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The fused kernel against the tiled attention and against a dense masked softmax written out here. */
class FlashAttentionTest {
    private static final int HEADS = 3;
    private static final int HEAD_DIM = 16;

    @Test
    void matchesTiledAndDenseAttentionForFirstChunksLaterChunksAndSingleTokens() {
        int[][] startAndCount = {{0, 1}, {0, 37}, {0, 300}, {5, 1}, {290, 1}, {64, 64}, {100, 37}, {17, 300}};
        try (NDManager manager = NDManager.newBaseManager(); FlashAttention flash = FlashAttention.load(manager)) {
            manager.getEngine().setRandomSeed(7);
            for (int[] sc : startAndCount) {
                int start = sc[0];
                int count = sc[1];
                NDArray q = manager.randomNormal(new Shape(HEADS, count, HEAD_DIM)).muli(0.25f);
                NDArray keys = manager.randomNormal(new Shape(HEADS, start + count, HEAD_DIM));
                NDArray values = manager.randomNormal(new Shape(HEADS, start + count, HEAD_DIM));
                NDArray fused = flash.apply(q, keys, values, start);
                NDArray tiled = new Attention(manager, start, count, 128, 50).apply(q, keys, values);
                NDArray dense = dense(manager, q, keys, values, start);
                assertEquals(new Shape(count, HEADS * HEAD_DIM), fused.getShape());
                float toTiled = fused.sub(tiled).abs().max().getFloat();
                float toDense = fused.sub(dense).abs().max().getFloat();
                assertTrue(toTiled < 1e-5 && toDense < 1e-5,
                        "start " + start + " count " + count + ": |fused - tiled| " + toTiled + ", |fused - dense| " + toDense);
            }
        }
    }

    /** softmax(q·kᵀ + causal mask)·v over all keys at once, as (count, heads · headDim). */
    private static NDArray dense(NDManager manager, NDArray q, NDArray keys, NDArray values, int start) {
        int count = (int) q.getShape().get(1);
        int total = start + count;
        float[] mask = new float[count * total];
        for (int i = 0; i < count; i++) {
            for (int j = start + i + 1; j < total; j++) {
                mask[i * total + j] = Attention.MASK_VALUE;
            }
        }
        NDArray scores = q.matMul(keys.transpose(0, 2, 1)).add(manager.create(mask, new Shape(count, total)));
        return scores.softmax(-1).matMul(values).transpose(1, 0, 2).reshape(count, (long) HEADS * HEAD_DIM);
    }
}
