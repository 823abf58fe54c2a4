package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * SiLU(GroupNorm(x)), always computed in F32: in this VQGAN every GroupNorm (32 groups, eps 1e-6) is followed by a
 * SiLU. Activations are channels-last, so each group's statistics come from per-channel means of x and x² over the
 * pixels (one pass each over a contiguous (B, H·W, C) view), combined per group; the variance is E[x²] − E[x]², as
 * Flax's GroupNorm computes it (use_fast_variance). Normalization and the per-channel scale and bias then fold into
 * one multiply-add per element.
 *
 * @param scale (C) F32
 * @param bias  (C) F32
 */
record GroupNormSilu(NDArray scale, NDArray bias, DataType compute) implements Layer {
    static final float EPS = 1e-6f;

    @Override
    public NDArray apply(NDArray input) {
        NDArray x = input.toType(DataType.FLOAT32, false);
        Shape s = x.getShape();
        long batch = s.get(0);
        long channels = s.get(1);
        long perGroup = channels / VqganConfig.GROUPS;
        NDArray pixels = x.transpose(0, 2, 3, 1).reshape(batch, s.get(2) * s.get(3), channels);
        NDArray mean = groupMean(pixels.mean(new int[] {1}), batch, perGroup);
        NDArray meanSquare = groupMean(pixels.square().mean(new int[] {1}), batch, perGroup);
        NDArray inverseStd = meanSquare.subi(mean.square()).maximum(0f).addi(EPS).pow(-0.5f);
        // y = (x - mean) * inverseStd * scale + bias = x * a + c, with a and c per (frame, channel)
        NDArray a = inverseStd.repeat(1, perGroup).muli(scale);
        NDArray c = mean.repeat(1, perGroup).muli(a).negi().addi(bias);
        Shape perChannel = new Shape(batch, channels, 1, 1);
        NDArray y = x.mul(a.reshape(perChannel)).addi(c.reshape(perChannel));
        return y.muli(Activation.sigmoid(y)).toType(compute, false);
    }

    /** (batch, channels) per-channel means to (batch, groups) group means. */
    private static NDArray groupMean(NDArray perChannel, long batch, long perGroup) {
        return perChannel.reshape(batch, VqganConfig.GROUPS, perGroup).mean(new int[] {2});
    }
}
