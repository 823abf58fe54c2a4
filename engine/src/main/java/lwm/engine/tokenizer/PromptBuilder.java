package lwm.engine.tokenizer;

import java.util.BitSet;

/**
 * Assembles prompt ids the way LWM's original code did (reference lwm.md §2.6): exactly one BOS, at the start, then
 * text pieces each sentencepiece-encoded on its own without special tokens (so each gets its own dummy-prefix "▁"),
 * plus explicit EOS tokens where a layout closes a turn, and runs of vision-vocabulary ids (§2.1) that the vision
 * mask marks.
 */
public final class PromptBuilder {
    private final LlamaTokenizer tokenizer;
    private final IntList ids = new IntList(64);
    private final BitSet vision = new BitSet();

    /** Starts a prompt with the tokenizer's BOS. */
    public PromptBuilder(LlamaTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        ids.add(tokenizer.bos());
    }

    /** Appends {@code piece} encoded separately from what came before. */
    public PromptBuilder text(String piece) {
        ids.addAll(tokenizer.encode(piece));
        return this;
    }

    /** Appends text-vocabulary ids as they are (a generated answer, kept exactly as the model wrote it). */
    public PromptBuilder textIds(int[] textIds) {
        ids.addAll(textIds);
        return this;
    }

    /** Appends the end-of-sequence token. */
    public PromptBuilder eos() {
        ids.add(tokenizer.eos());
        return this;
    }

    /** Appends ids of the vision vocabulary (VQGAN codes and frame delimiters); {@link #visionMask} marks them. */
    public PromptBuilder vision(int[] visionIds) {
        vision.set(ids.size(), ids.size() + visionIds.length);
        ids.addAll(visionIds);
        return this;
    }

    /** Ids so far, which is also the index the next piece starts at. */
    public int length() {
        return ids.size();
    }

    public int[] build() {
        return ids.toArray();
    }

    /** Per id of {@link #build}, true where it is in the vision vocabulary. */
    public boolean[] visionMask() {
        boolean[] mask = new boolean[ids.size()];
        for (int i = vision.nextSetBit(0); i >= 0; i = vision.nextSetBit(i + 1)) {
            mask[i] = true;
        }
        return mask;
    }
}
