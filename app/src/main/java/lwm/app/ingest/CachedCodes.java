package lwm.app.ingest;

import java.util.Arrays;
import lwm.engine.tokenizer.VisionTokens;

/**
 * The VQGAN codes of the sampled frames of one attachment, with where each frame came from.
 *
 * @param frameIndices index of each sampled frame in the source
 * @param timestamps seconds from the start of the source for each frame
 * @param codes per frame its 256 codes (16×16, row-major), each in 0..8191
 */
public record CachedCodes(long[] frameIndices, double[] timestamps, int[][] codes) {
    public CachedCodes {
        if (frameIndices.length != timestamps.length || frameIndices.length != codes.length) {
            throw new IllegalArgumentException("frame indices, timestamps and codes differ in length: "
                    + frameIndices.length + ", " + timestamps.length + ", " + codes.length);
        }
        for (int[] frame : codes) {
            if (frame.length != VisionTokens.CODES_PER_FRAME) {
                throw new IllegalArgumentException("a frame has " + frame.length + " codes, not " + VisionTokens.CODES_PER_FRAME);
            }
            for (int code : frame) {
                if (code < 0 || code >= VisionTokens.CODEBOOK_SIZE) {
                    throw new IllegalArgumentException("code " + code + " is outside 0.." + (VisionTokens.CODEBOOK_SIZE - 1));
                }
            }
        }
    }

    public int frames() {
        return codes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CachedCodes && Arrays.equals(frameIndices, ((CachedCodes) o).frameIndices)
                && Arrays.equals(timestamps, ((CachedCodes) o).timestamps)
                && Arrays.deepEquals(codes, ((CachedCodes) o).codes);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(codes);
    }
}
