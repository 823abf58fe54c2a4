package lwm.app.needle;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.engine.tokenizer.LlamaTokenizer;

/**
 * The document needles hide in: a text file in the model's tokens. LWM's rounds read different books
 * ({@code read_context_files}); from one file, round r starts r/rounds of the way in, and a file shorter than the
 * longest context is read again from its start, as the NIAH project repeats its essays.
 */
public final class Haystack {
    /** Fewer tokens than this is not a document to search. */
    static final int MIN_TOKENS = 100;
    /** Larger files are refused: a haystack is read whole. */
    static final long MAX_BYTES = 256L << 20;

    private final Path file;
    private final int[] tokens;

    private Haystack(Path file, int[] tokens) {
        this.file = file;
        this.tokens = tokens;
    }

    public static Haystack read(Path file, LlamaTokenizer tokenizer) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not found; the haystack must be a text file");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": " + size + " bytes; a haystack is read whole, at most " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text; the haystack must be a text file", e);
        }
        int[] tokens = tokenizer.encode(text.strip());
        if (tokens.length < MIN_TOKENS) {
            throw new IOException(file + ": " + (tokens.length == 0 ? "empty" : "only " + tokens.length + " tokens")
                    + "; a haystack needs at least " + MIN_TOKENS + " tokens of text");
        }
        return new Haystack(file, tokens);
    }

    public Path file() {
        return file;
    }

    public int tokens() {
        return tokens.length;
    }

    /** Round {@code round}'s first {@code length} tokens, as text (LWM trims in tokens, then decodes). */
    public String context(LlamaTokenizer tokenizer, int round, int rounds, int length) {
        int start = (int) ((long) tokens.length * round / rounds);
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = tokens[(start + i) % tokens.length];
        }
        return tokenizer.decode(out);
    }
}
