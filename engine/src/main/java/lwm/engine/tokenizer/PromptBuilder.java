package lwm.engine.tokenizer;

/**
 * Assembles prompt ids the way LWM's original code did (reference lwm.md §2.6): exactly one BOS, at the start, then
 * text pieces each sentencepiece-encoded on its own without special tokens (so each gets its own dummy-prefix "▁"),
 * plus explicit EOS tokens where a layout closes a turn.
 */
public final class PromptBuilder {
    private final LlamaTokenizer tokenizer;
    private final IntList ids = new IntList(64);

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

    /** Appends the end-of-sequence token. */
    public PromptBuilder eos() {
        ids.add(tokenizer.eos());
        return this;
    }

    public int[] build() {
        return ids.toArray();
    }
}
