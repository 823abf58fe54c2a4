package lwm.engine.vqgan;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import lwm.engine.weights.DType;
import lwm.engine.weights.RawTensor;

/**
 * Random parameters of a small VQGAN under LWM's Flax names, written out from lwm.md §3.6 independently of
 * {@link Topology}: three levels of widths 32, 32, 64 (a 64 × 64 grid), one residual block, z 8, codebook 32 × 8.
 */
final class TinyVqgan {
    static final int[] WIDTHS = {32, 32, 64};
    static final int RES_BLOCKS = 1;
    static final int Z = 8;
    static final int CODES = 32;
    static final int DIM = 8;

    private final Map<String, RawTensor> tensors = new LinkedHashMap<>();
    private final Random random;

    private TinyVqgan(long seed) {
        random = new Random(seed);
    }

    static Map<String, RawTensor> parameters(long seed) {
        return new TinyVqgan(seed).build();
    }

    /** Flat F32 parameters from values. */
    static RawTensor f32(String name, float[] values, long... shape) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        return new RawTensor(name, DType.F32, shape, data);
    }

    private Map<String, RawTensor> build() {
        int last = WIDTHS[WIDTHS.length - 1];
        conv("encoder/Conv_0", 3, 3, WIDTHS[0]);
        int in = WIDTHS[0];
        for (int level = 0; level < WIDTHS.length; level++) {
            for (int j = 0; j < RES_BLOCKS; j++) {
                resnet("encoder/DownsamplingBlock_" + level + "/ResnetBlock_" + j, in, WIDTHS[level]);
                in = WIDTHS[level];
            }
            if (level < WIDTHS.length - 1) {
                conv("encoder/DownsamplingBlock_" + level + "/Downsample_0/Conv_0", 3, in, in);
            }
        }
        resnet("encoder/MidBlock_0/ResnetBlock_0", last, last);
        resnet("encoder/MidBlock_0/ResnetBlock_1", last, last);
        norm("encoder/GroupNorm_0", last);
        conv("encoder/Conv_1", 3, last, Z);
        conv("decoder/Conv_0", 3, Z, last);
        resnet("decoder/MidBlock_0/ResnetBlock_0", last, last);
        resnet("decoder/MidBlock_0/ResnetBlock_1", last, last);
        in = last;
        for (int level = WIDTHS.length - 1; level >= 0; level--) {
            String block = "decoder/UpsamplingBlock_" + (WIDTHS.length - 1 - level);
            for (int j = 0; j <= RES_BLOCKS; j++) {
                resnet(block + "/ResnetBlock_" + j, in, WIDTHS[level]);
                in = WIDTHS[level];
            }
            if (level > 0) {
                conv(block + "/Upsample_0/Conv_0", 3, in, in);
            }
        }
        norm("decoder/GroupNorm_0", WIDTHS[0]);
        conv("decoder/Conv_1", 3, WIDTHS[0], 3);
        put("quantize/embeddings", 1f, CODES, DIM);
        conv("quant_conv", 1, Z, DIM);
        conv("post_quant_conv", 1, DIM, Z);
        return tensors;
    }

    private void resnet(String path, int in, int out) {
        norm(path + "/GroupNorm_0", in);
        conv(path + "/Conv_0", 3, in, out);
        norm(path + "/GroupNorm_1", out);
        conv(path + "/Conv_1", 3, out, out);
        if (in != out) {
            conv(path + "/Conv_2", 1, in, out);
        }
    }

    private void conv(String path, int k, int in, int out) {
        put(path + "/kernel", (float) (1 / Math.sqrt(k * k * in)), k, k, in, out);
        put(path + "/bias", 0.05f, out);
    }

    private void norm(String path, int channels) {
        float[] scale = new float[channels];
        for (int i = 0; i < channels; i++) {
            scale[i] = 0.8f + 0.4f * random.nextFloat();
        }
        tensors.put(path + "/scale", f32(path + "/scale", scale, channels));
        put(path + "/bias", 0.1f, channels);
    }

    private void put(String name, float std, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * std;
        }
        tensors.put(name, f32(name, values, shape));
    }
}
