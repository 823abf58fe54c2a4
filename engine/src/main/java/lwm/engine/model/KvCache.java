package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer, preallocated for {@code capacity} positions and written in place
 * (F32, so attention logits are computed from unrounded keys whatever the weight precision).
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys; // per layer (heads, capacity, headDim)
    private final NDArray[] values;
    private final int capacity;
    private int length;

    KvCache(NDManager parent, LlamaConfig config, int capacity) {
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        Shape shape = new Shape(config.numHeads(), capacity, config.headDim());
        keys = new NDArray[config.numLayers()];
        values = new NDArray[config.numLayers()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = manager.create(shape, DataType.FLOAT32);
            values[i] = manager.create(shape, DataType.FLOAT32);
        }
    }

    /** Number of positions already written. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    void write(int layer, int start, NDArray k, NDArray v) {
        NDIndex slot = positions(start, start + k.getShape().get(1));
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
    }

    NDArray keys(int layer, int end) {
        return keys[layer].get(positions(0, end));
    }

    NDArray values(int layer, int end) {
        return values[layer].get(positions(0, end));
    }

    /** Positions [from, to) of every head. */
    private static NDIndex positions(long from, long to) {
        return new NDIndex().addAllDim().addSliceDim(from, to);
    }

    void advance(int count) {
        length += count;
    }

    @Override
    public void close() {
        manager.close();
    }
}
