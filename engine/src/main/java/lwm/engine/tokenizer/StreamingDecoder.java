package lwm.engine.tokenizer;

import lwm.engine.generate.TokenDecoder;

/**
 * Incremental detokenizer: the deltas of {@link #push} followed by {@link #flush} concatenate to exactly what
 * {@link LlamaTokenizer#decode} returns for the same ids (decode is implemented with this class).
 *
 * <p>Mirrors SentencePiece's {@code Decode}: "▁" reads as a space; control pieces read as nothing; runs of byte
 * pieces are held until they form complete UTF-8 characters (an emoji sent as four {@code <0xNN>} pieces appears
 * once, with its last byte); and the leading "▁" of the first piece is dropped as the dummy prefix — where "first"
 * means no text has been produced yet, and only one "▁" is ever dropped.
 *
 * <p>One decoder per token stream; not thread-safe.
 */
public final class StreamingDecoder implements TokenDecoder {
    private final Vocabulary vocabulary;
    private final ByteRun pendingBytes = new ByteRun();
    private boolean producedText;
    private boolean droppedPrefix;

    StreamingDecoder(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    /**
     * Text that became final with {@code id}; empty while a character is incomplete.
     *
     * @throws IllegalArgumentException when {@code id} is outside the vocabulary
     */
    @Override
    public String push(int id) {
        vocabulary.checkId(id);
        StringBuilder out = new StringBuilder();
        int value = vocabulary.byteValue(id);
        if (value >= 0) {
            pendingBytes.add(value);
            pendingBytes.drainTo(out, false);
        } else {
            pendingBytes.drainTo(out, true);
            boolean atStart = !producedText && !droppedPrefix && out.length() == 0;
            String surface = vocabulary.surface(id);
            if (atStart && vocabulary.addDummyPrefix() && vocabulary.startsWithSpace(id)) {
                surface = surface.substring(1);
                droppedPrefix = true;
            }
            out.append(surface);
        }
        producedText |= out.length() > 0;
        return out.toString();
    }

    /** Bytes still held back at the end of the stream, each as U+FFFD. */
    @Override
    public String flush() {
        StringBuilder out = new StringBuilder();
        pendingBytes.drainTo(out, true);
        producedText |= out.length() > 0;
        return out.toString();
    }
}
