package lwm.engine.vqgan;

import java.util.Arrays;
import java.util.Objects;

/**
 * The shape of a VQGAN, read from its weights (LWM's is hidden 128, widths 128/256/256/512/768, 2 residual blocks,
 * z 64, codebook 8192 × 64). Frames are always {@value #RESOLUTION} × {@value #RESOLUTION} (LWM's encoder asserts
 * it); every level but the last halves the resolution, so LWM's five levels give a 16 × 16 grid of codes.
 *
 * @param inChannels    pixel channels (3)
 * @param hidden        width of the first conv
 * @param widths        width of each level, full resolution first ({@code hidden × channel_mult})
 * @param numResBlocks  residual blocks per encoder level (the decoder has one more)
 * @param zChannels     encoder output / decoder input width
 * @param numEmbeddings codebook rows
 * @param embedDim      codebook columns
 */
public record VqganConfig(int inChannels, int hidden, int[] widths, int numResBlocks, int zChannels,
        int numEmbeddings, int embedDim) {
    public static final int RESOLUTION = 256;
    /** GroupNorm groups (Flax's default); every width must be a multiple. */
    public static final int GROUPS = 32;
    /** Deeper than this would shrink the grid below one code. */
    public static final int MAX_LEVELS = 9;

    public VqganConfig {
        widths = widths.clone();
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public int levels() {
        return widths.length;
    }

    public int width(int level) {
        return widths[level];
    }

    /** Side length of the level's feature maps. */
    public int resolution(int level) {
        return RESOLUTION >> level;
    }

    /** Codes per side of a frame. */
    public int grid() {
        return resolution(levels() - 1);
    }

    public int codesPerFrame() {
        return grid() * grid();
    }

    /** Floats per frame in NHWC. */
    public int valuesPerFrame() {
        return RESOLUTION * RESOLUTION * inChannels;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VqganConfig c && inChannels == c.inChannels && hidden == c.hidden
                && Arrays.equals(widths, c.widths) && numResBlocks == c.numResBlocks && zChannels == c.zChannels
                && numEmbeddings == c.numEmbeddings && embedDim == c.embedDim;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(widths) + Objects.hash(inChannels, hidden, numResBlocks, zChannels,
                numEmbeddings, embedDim);
    }

    @Override
    public String toString() {
        return "VQGAN(hidden " + hidden + ", widths " + Arrays.toString(widths) + ", " + numResBlocks
                + " residual blocks, z " + zChannels + ", codebook " + numEmbeddings + " x " + embedDim + ")";
    }
}
