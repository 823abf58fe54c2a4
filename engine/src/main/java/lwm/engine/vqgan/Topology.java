package lwm.engine.vqgan;

import java.util.ArrayList;
import java.util.List;
import lwm.engine.weights.CheckpointException;

/**
 * LWM's VQGAN wiring and Flax parameter names (lwm.md §3.2, §3.6): which parameters each layer takes, in what order
 * the layers run, and the configuration implied by the parameters' shapes.
 */
final class Topology {
    private static final String ENCODER = "encoder/";
    private static final String DECODER = "decoder/";
    /** Both mid blocks have two residual blocks (no attention). */
    private static final int MID_BLOCKS = 2;

    private Topology() {
    }

    /** Reads the configuration from the shapes of a few parameters; the rest are checked as they are built. */
    static VqganConfig config(ParameterSource p) throws CheckpointException {
        String stem = ENCODER + "Conv_0/kernel";
        int inChannels = p.dim(stem, 4, 2);
        int hidden = groupable(p, stem, p.dim(stem, 4, 3));
        // Level 0 must exist (a missing one is reported by dim); further levels are counted.
        List<Integer> widths = new ArrayList<>();
        do {
            String first = encoderBlock(widths.size()) + "ResnetBlock_0/Conv_0/kernel";
            if (widths.size() == VqganConfig.MAX_LEVELS) {
                throw p.problem(first, "more than " + VqganConfig.MAX_LEVELS
                        + " encoder levels would leave no codes per frame");
            }
            widths.add(groupable(p, first, p.dim(first, 4, 3)));
        } while (p.has(encoderBlock(widths.size()) + "ResnetBlock_0/Conv_0/kernel"));
        int numResBlocks = 0;
        while (p.has(encoderBlock(0) + "ResnetBlock_" + numResBlocks + "/Conv_0/kernel")) {
            numResBlocks++;
        }
        int zChannels = p.dim(ENCODER + "Conv_1/kernel", 4, 3);
        int numEmbeddings = p.dim("quantize/embeddings", 2, 0);
        int embedDim = p.dim("quantize/embeddings", 2, 1);
        return new VqganConfig(inChannels, hidden, widths.stream().mapToInt(Integer::intValue).toArray(),
                numResBlocks, zChannels, numEmbeddings, embedDim);
    }

    /** Every width feeds a GroupNorm, which needs whole groups. */
    private static int groupable(ParameterSource p, String name, int width) throws CheckpointException {
        if (width % VqganConfig.GROUPS != 0) {
            throw p.problem(name, "width " + width + " cannot be split into " + VqganConfig.GROUPS
                    + " GroupNorm groups");
        }
        return width;
    }

    /** Pixels (B, C, 256, 256) → quant_conv output (B, embedDim, grid, grid). */
    static Sequence encoder(ParameterSource p, VqganConfig c) throws CheckpointException {
        List<Layer> layers = new ArrayList<>();
        layers.add(p.conv3(ENCODER + "Conv_0", c.inChannels(), c.hidden()));
        int in = c.hidden();
        for (int level = 0; level < c.levels(); level++) {
            String block = encoderBlock(level);
            for (int j = 0; j < c.numResBlocks(); j++) {
                layers.add(resnet(p, block + "ResnetBlock_" + j, in, c.width(level)));
                in = c.width(level);
            }
            if (level < c.levels() - 1) {
                layers.add(new Downsample(p.conv(block + "Downsample_0/Conv_0", 3, in, in, 2, 0)));
            }
        }
        int last = c.levels() - 1;
        addMid(layers, p, ENCODER, c.width(last));
        layers.add(new NormConv(p.norm(ENCODER + "GroupNorm_0", c.width(last)),
                p.conv3(ENCODER + "Conv_1", c.width(last), c.zChannels())));
        layers.add(p.conv1("quant_conv", c.zChannels(), c.embedDim()));
        return new Sequence(layers);
    }

    /** Codebook vectors (B, embedDim, grid, grid) → pixels (B, C, 256, 256), not yet clipped. */
    static Sequence decoder(ParameterSource p, VqganConfig c) throws CheckpointException {
        List<Layer> layers = new ArrayList<>();
        int last = c.levels() - 1;
        layers.add(p.conv1("post_quant_conv", c.embedDim(), c.zChannels()));
        layers.add(p.conv3(DECODER + "Conv_0", c.zChannels(), c.width(last)));
        addMid(layers, p, DECODER, c.width(last));
        int in = c.width(last);
        for (int level = last; level >= 0; level--) {
            // Flax numbers the blocks in creation order, deepest level first.
            String block = DECODER + "UpsamplingBlock_" + (last - level) + "/";
            for (int j = 0; j <= c.numResBlocks(); j++) {
                layers.add(resnet(p, block + "ResnetBlock_" + j, in, c.width(level)));
                in = c.width(level);
            }
            if (level > 0) {
                layers.add(new Upsample(p.conv3(block + "Upsample_0/Conv_0", in, in)));
            }
        }
        layers.add(new NormConv(p.norm(DECODER + "GroupNorm_0", c.width(0)),
                p.conv3(DECODER + "Conv_1", c.width(0), c.inChannels())));
        return new Sequence(layers);
    }

    private static String encoderBlock(int level) {
        return ENCODER + "DownsamplingBlock_" + level + "/";
    }

    private static void addMid(List<Layer> layers, ParameterSource p, String prefix, int width)
            throws CheckpointException {
        for (int j = 0; j < MID_BLOCKS; j++) {
            layers.add(resnet(p, prefix + "MidBlock_0/ResnetBlock_" + j, width, width));
        }
    }

    private static ResnetBlock resnet(ParameterSource p, String path, int in, int out)
            throws CheckpointException {
        return new ResnetBlock(
                p.norm(path + "/GroupNorm_0", in),
                p.conv3(path + "/Conv_0", in, out),
                p.norm(path + "/GroupNorm_1", out),
                p.conv3(path + "/Conv_1", out, out),
                in == out ? null : p.conv1(path + "/Conv_2", in, out));
    }
}
