package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Doubles the resolution: nearest neighbour (each pixel becomes a 2×2 block, as jax.image.resize 'nearest' does for
 * an exact factor 2), then a 3×3 conv.
 */
record Upsample(Conv conv) implements Layer {
    /** DJL's interpolation mode for torch's 'nearest'. */
    private static final int NEAREST = 0;

    @Override
    public NDArray apply(NDArray x) {
        Shape s = x.getShape();
        NDArray up = x.getNDArrayInternal().interpolation(new long[] {2 * s.get(2), 2 * s.get(3)}, NEAREST, false);
        return conv.apply(up);
    }
}
