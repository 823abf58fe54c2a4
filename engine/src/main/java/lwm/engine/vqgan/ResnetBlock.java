package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;

/**
 * GN → SiLU → conv3×3 → GN → SiLU → conv3×3, plus the input, through a 1×1 conv when the width changes
 * (lwm.md §3.3; dropout is 0 at inference).
 *
 * @param shortcut null when input and output widths agree
 */
record ResnetBlock(GroupNormSilu norm0, Conv conv0, GroupNormSilu norm1, Conv conv1, Conv shortcut) implements Layer {

    @Override
    public NDArray apply(NDArray x) {
        NDArray h = conv1.apply(norm1.apply(conv0.apply(norm0.apply(x))));
        return h.addi(shortcut == null ? x : shortcut.apply(x));
    }
}
