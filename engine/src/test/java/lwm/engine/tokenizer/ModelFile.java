package lwm.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes small SentencePiece {@code ModelProto} files for tests. {@link #llama()} starts with LLaMA's layout and
 * settings: {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, the 256 byte pieces (ids 3..258), BPE, identity
 * normalization, dummy prefix, byte fallback; normal pieces are appended with {@link #piece}.
 */
final class ModelFile {
    private final ByteArrayOutputStream pieces = new ByteArrayOutputStream();
    private long modelType = 2;
    private boolean byteFallback = true;
    private byte[] charsmap = new byte[0];

    private ModelFile() {}

    static ModelFile llama() {
        ModelFile file = new ModelFile();
        file.piece("<unk>", 0, PieceType.UNKNOWN);
        file.piece("<s>", 0, PieceType.CONTROL).piece("</s>", 0, PieceType.CONTROL);
        for (int b = 0; b < 256; b++) {
            file.piece(Vocabulary.bytePiece(b), 0, PieceType.BYTE);
        }
        return file;
    }

    ModelFile piece(String text, float score) {
        return piece(text, score, PieceType.NORMAL);
    }

    ModelFile piece(String text, float score, PieceType type) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        bytesField(message, 1, text.getBytes(StandardCharsets.UTF_8));
        tag(message, 2, 5);
        message.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(score).array());
        varintField(message, 3, type.protoNumber());
        bytesField(pieces, 1, message.toByteArray());
        return this;
    }

    ModelFile modelType(long number) {
        modelType = number;
        return this;
    }

    ModelFile byteFallback(boolean enabled) {
        byteFallback = enabled;
        return this;
    }

    /** A non-empty precompiled_charsmap, as NFKC-style normalizers have. */
    ModelFile charsmap(byte[] rules) {
        charsmap = rules.clone();
        return this;
    }

    /** The serialized proto: pieces, trainer_spec, then normalizer_spec (the order sentencepiece writes). */
    byte[] bytes() {
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        varintField(trainer, 3, modelType);
        varintField(trainer, 35, byteFallback ? 1 : 0);
        ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
        bytesField(normalizer, 1, "identity".getBytes(StandardCharsets.UTF_8));
        bytesField(normalizer, 2, charsmap);
        varintField(normalizer, 3, 1);
        varintField(normalizer, 4, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(pieces.toByteArray());
        bytesField(out, 2, trainer.toByteArray());
        bytesField(out, 3, normalizer.toByteArray());
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        return Files.write(file, bytes());
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        tag(out, field, 0);
        varint(out, value);
    }

    private static void bytesField(ByteArrayOutputStream out, int field, byte[] value) {
        tag(out, field, 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, ((long) field << 3) | wireType);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
