package lwm.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * LLaMA's SentencePiece tokenizer ({@code tokenizer.model}: BPE with byte fallback, {@code <unk>}=0, {@code <s>}=1,
 * {@code </s>}=2 in LLaMA's file), in pure Java: ids equal Python sentencepiece's {@code sp.encode(text)} and text
 * equals {@code sp.decode(ids)}.
 *
 * <p>Pure Java rather than DJL's SentencePiece binding: the native library aborts the JVM on an out-of-range id
 * ({@code getToken}), exposes no vocabulary size to guard with, and reports a truncated file as an unrelated setting;
 * here every bad file or id is an exception.
 *
 * <p>Immutable; {@link #encode} and {@link #decode} may be called from any number of threads. It holds no native
 * resources.
 */
public final class LlamaTokenizer {
    /** LLaMA's file is 500 kB; anything far larger is not a tokenizer and is not read into memory. */
    private static final long MAX_MODEL_BYTES = 64L << 20;

    private final Vocabulary vocabulary;
    private final BpeEncoder encoder;

    private LlamaTokenizer(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.encoder = new BpeEncoder(vocabulary);
    }

    /**
     * Reads a SentencePiece {@code tokenizer.model}.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws InvalidTokenizerException when it is not a SentencePiece model, or not LLaMA-style (the message names
     *     the file and the problem)
     * @throws IOException when it cannot be read
     */
    public static LlamaTokenizer load(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidTokenizerException(file + ": is a directory, not a SentencePiece tokenizer.model file");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file not found");
        }
        long size = Files.size(file);
        if (size == 0) {
            throw new InvalidTokenizerException(file + ": empty file, not a SentencePiece model");
        }
        if (size > MAX_MODEL_BYTES) {
            throw new InvalidTokenizerException(file + ": " + size + " bytes is too large for a SentencePiece model");
        }
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read (" + e + ")", e);
        }
        ModelProto model;
        try {
            model = ModelProtoParser.parse(data);
        } catch (ProtoFormatException e) {
            throw new InvalidTokenizerException(file + ": not a SentencePiece model (" + e.getMessage() + ")");
        }
        return new LlamaTokenizer(Vocabulary.of(model, file));
    }

    /** Token ids of {@code text}, without BOS or EOS; the empty string gives no ids. */
    public int[] encode(String text) {
        return encoder.encode(text);
    }

    /**
     * The text of {@code ids}, as sentencepiece decodes it (control tokens read as nothing).
     *
     * @throws IllegalArgumentException when an id is outside the vocabulary
     */
    public String decode(int[] ids) {
        StreamingDecoder decoder = newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.push(id));
        }
        return text.append(decoder.flush()).toString();
    }

    /** A detokenizer for a stream of generated ids; see {@link StreamingDecoder}. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(vocabulary);
    }

    public int vocabSize() {
        return vocabulary.size();
    }

    public int bos() {
        return vocabulary.bos();
    }

    public int eos() {
        return vocabulary.eos();
    }

    /**
     * The vocabulary entry of {@code id}, e.g. {@code "▁the"} or {@code "<0x0A>"}.
     *
     * @throws IllegalArgumentException when {@code id} is outside the vocabulary
     */
    public String piece(int id) {
        vocabulary.checkId(id);
        return vocabulary.piece(id);
    }
}
