package lwm.engine.tokenizer;

import java.util.List;

/**
 * LWM's vision vocabulary (reference/lwm.md §2.1): VQGAN codes are vision ids as they are, with no offset into the
 * text vocabulary, and two structural ids close frames. A frame is 16×16 codes, row-major.
 */
public final class VisionTokens {
    /** Codes are 0..CODEBOOK_SIZE-1. */
    public static final int CODEBOOK_SIZE = 8192;
    public static final int CODES_PER_FRAME = 256;
    /** {@code <eof>}: after every frame of a clip but the last. */
    public static final int END_OF_FRAME = 8192;
    /** {@code <eov>}: after the last frame (chat and training input; generation never emits it, §4.4). */
    public static final int END_OF_VISION = 8193;
    public static final int TOKENS_PER_FRAME = CODES_PER_FRAME + 1;

    private VisionTokens() {}

    /**
     * The vision ids of one image or clip: each frame's codes followed by {@link #END_OF_FRAME}, the last frame's by
     * {@link #END_OF_VISION}.
     *
     * @throws IllegalArgumentException when there is no frame, a frame does not have 256 codes, or a code is outside
     *     0..8191 (the message names the frame and the index)
     */
    public static int[] clip(List<int[]> frames) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames");
        }
        int[] ids = new int[frames.size() * TOKENS_PER_FRAME];
        for (int f = 0; f < frames.size(); f++) {
            int[] codes = frames.get(f);
            if (codes.length != CODES_PER_FRAME) {
                throw new IllegalArgumentException("frame " + f + " has " + codes.length + " codes, expected "
                        + CODES_PER_FRAME + " (16×16)");
            }
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] < 0 || codes[i] >= CODEBOOK_SIZE) {
                    throw new IllegalArgumentException("frame " + f + ", code " + i + ": " + codes[i]
                            + " is outside the VQGAN codebook 0.." + (CODEBOOK_SIZE - 1));
                }
            }
            System.arraycopy(codes, 0, ids, f * TOKENS_PER_FRAME, CODES_PER_FRAME);
            ids[(f + 1) * TOKENS_PER_FRAME - 1] = f == frames.size() - 1 ? END_OF_VISION : END_OF_FRAME;
        }
        return ids;
    }
}
