package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Causal attention of one forward's queries (positions [start, start + count)) over the cached keys [0, start + count),
 * computed tile by tile (reference/lwm.md §1.3.2): queries in tiles of at most {@code queryBlock} rows, each tile over
 * only the keys it can see, in blocks of at most {@code keyBlock} keys with an online softmax in F32. The scores of one
 * tile and block never exceed heads × queryBlock × keyBlock floats, whatever the context, and the key blocks past a
 * tile's last query are never computed (they would only be masked out).
 *
 * <p>The tiles and their causal masks depend only on {@code start}, {@code count} and the block sizes, so they are
 * built once per forward and shared by every layer.
 */
final class Attention {
    /** The finite value masked attention logits get (finfo(float32).min, as LWM and HF use). */
    static final float MASK_VALUE = -Float.MAX_VALUE;

    /**
     * Keys [from, to) of a tile, with the additive causal mask of its columns [maskFrom, to - from) (the keys that come
     * after some query of the tile), or a null mask when nothing in the block is masked.
     */
    private record KeyBlock(int from, int to, int maskFrom, NDArray mask) {}

    /** Query rows [from, to) of the forward and the key blocks they see. */
    private record Tile(int from, int to, List<KeyBlock> blocks) {}

    private final List<Tile> tiles = new ArrayList<>();
    private final int count;

    /** Plans the tiles; the masks are created in {@code manager}, which must outlive every {@link #apply}. */
    Attention(NDManager manager, int start, int count, int queryBlock, int keyBlock) {
        this.count = count;
        for (int from = 0; from < count; from += queryBlock) {
            int to = Math.min(count, from + queryBlock);
            int visible = start + to; // the tile's last query sees keys [0, visible)
            List<KeyBlock> blocks = new ArrayList<>();
            for (int keyFrom = 0; keyFrom < visible; keyFrom += keyBlock) {
                int keyTo = Math.min(visible, keyFrom + keyBlock);
                int first = start + from; // the tile's first query position
                int maskFrom = Math.max(0, first + 1 - keyFrom); // columns before it are visible to every query
                NDArray mask = maskFrom < keyTo - keyFrom ? causalMask(manager, first, to - from, keyFrom + maskFrom, keyTo) : null;
                blocks.add(new KeyBlock(keyFrom, keyTo, maskFrom, mask));
            }
            tiles.add(new Tile(from, to, blocks));
        }
    }

    /**
     * softmax(q·kᵀ + mask)·v for queries {@code q} (heads, count, headDim), already multiplied by 1/sqrt(headDim), and
     * the cached {@code keys} and {@code values} (heads, start + count, headDim); returns (count, heads · headDim).
     */
    NDArray apply(NDArray q, NDArray keys, NDArray values) {
        Shape shape = q.getShape();
        long heads = shape.get(0);
        long headDim = shape.get(2);
        if (tiles.size() == 1) {
            return tile(q, keys, values, tiles.get(0)).transpose(1, 0, 2).reshape(count, heads * headDim);
        }
        NDArray out = q.getManager().create(new Shape(count, heads, headDim));
        for (Tile tile : tiles) {
            try (NDScope scope = new NDScope()) {
                NDArray rows = q.get(new NDIndex().addAllDim().addSliceDim(tile.from, tile.to));
                out.set(new NDIndex().addSliceDim(tile.from, tile.to), tile(rows, keys, values, tile).transpose(1, 0, 2));
                scope.suppressNotUsedWarning();
            }
        }
        return out.reshape(count, heads * headDim);
    }

    /** One tile's output (heads, rows, headDim): a plain softmax over one key block, an online softmax over several. */
    private static NDArray tile(NDArray q, NDArray keys, NDArray values, Tile tile) {
        if (tile.blocks.size() == 1) {
            KeyBlock block = tile.blocks.get(0);
            return scores(q, keys, block).softmax(-1).matMul(slice(values, block));
        }
        OnlineSoftmax state = new OnlineSoftmax();
        for (KeyBlock block : tile.blocks) {
            try (NDScope scope = new NDScope()) {
                state.add(scores(q, keys, block), slice(values, block));
                scope.suppressNotUsedWarning();
            }
        }
        return state.result();
    }

    /** q·kᵀ over one key block, plus its causal mask (added in place to the masked columns only). */
    private static NDArray scores(NDArray q, NDArray keys, KeyBlock block) {
        NDArray scores = q.matMul(slice(keys, block).transpose(0, 2, 1));
        if (block.mask != null) {
            scores.get(new NDIndex().addAllDim(2).addSliceDim(block.maskFrom, block.to - block.from)).addi(block.mask);
        }
        return scores;
    }

    private static NDArray slice(NDArray cached, KeyBlock block) {
        return cached.get(new NDIndex().addAllDim().addSliceDim(block.from, block.to));
    }

    /**
     * Running max, normalizer and weighted value sum of softmax over key blocks seen one at a time (flash attention's
     * recurrence); its arrays outlive the per-block scopes, and the ones it replaces are closed at once.
     */
    private static final class OnlineSoftmax {
        private NDArray max; // (heads, rows, 1)
        private NDArray sum; // (heads, rows, 1)
        private NDArray acc; // (heads, rows, headDim)

        void add(NDArray scores, NDArray values) {
            NDArray blockMax = scores.max(new int[] {-1}, true);
            NDArray newMax = max == null ? blockMax : NDArrays.maximum(max, blockMax);
            NDArray p = scores.subi(newMax).exp();
            NDArray pv = p.matMul(values);
            NDArray pSum = p.sum(new int[] {-1}, true);
            if (max == null) {
                sum = pSum;
                acc = pv;
            } else {
                NDArray correction = max.sub(newMax).exp();
                sum.muli(correction).addi(pSum);
                acc.muli(correction).addi(pv);
                max.close();
            }
            max = newMax;
            NDScope.unregister(max, sum, acc);
        }

        /** The attention output (heads, rows, headDim), handed back to the caller's scope. */
        NDArray result() {
            NDArray out = acc.divi(sum);
            max.close();
            sum.close();
            NDScope.register(out);
            return out;
        }
    }

    /**
     * Additive mask (rows, to - from) for keys [from, to) seen by queries at [first, first + rows): 0 where the key is
     * at or before the query, {@link #MASK_VALUE} after it.
     */
    private static NDArray causalMask(NDManager manager, int first, int rows, int from, int to) {
        int width = to - from;
        float[] mask = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            int firstMasked = Math.max(0, first + i + 1 - from);
            Arrays.fill(mask, i * width + Math.min(firstMasked, width), (i + 1) * width, MASK_VALUE);
        }
        return manager.create(mask, new Shape(rows, width));
    }
}
