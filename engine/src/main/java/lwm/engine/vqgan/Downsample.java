package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Halves the resolution as LWM does: one zero row at the bottom and one zero column at the right, then a 3×3 stride-2
 * conv without padding. A symmetric padding of 1 would shift every output by one pixel.
 */
record Downsample(Conv conv) implements Layer {
    /** Torch pad order, last axis first: (left, right, top, bottom). */
    private static final Shape BOTTOM_RIGHT = new Shape(0, 1, 0, 1);

    @Override
    public NDArray apply(NDArray x) {
        return conv.apply(x.pad(BOTTOM_RIGHT, 0));
    }
}
