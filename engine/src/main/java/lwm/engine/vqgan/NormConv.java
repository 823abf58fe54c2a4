package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;

/** The encoder's and decoder's last step: GroupNorm → SiLU → conv3×3. */
record NormConv(GroupNormSilu norm, Conv conv) implements Layer {

    @Override
    public NDArray apply(NDArray x) {
        return conv.apply(norm.apply(x));
    }
}
