package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** A 2-D convolution with bias: weight (out, in, k, k) and bias in the compute type, symmetric zero padding. */
record Conv(NDArray weight, NDArray bias, int stride, int padding) implements Layer {
    private static final Shape NO_DILATION = new Shape(1, 1);

    /** Flax's 'SAME' at stride 1: (k - 1) / 2 on every side. */
    static int samePadding(int kernel) {
        return (kernel - 1) / 2;
    }

    @Override
    public NDArray apply(NDArray x) {
        return Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(padding, padding), NO_DILATION, 1)
                .singletonOrThrow();
    }
}
