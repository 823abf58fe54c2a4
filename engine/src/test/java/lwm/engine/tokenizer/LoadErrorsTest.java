package lwm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files fail with an IOException naming the file and the problem, never anything worse. */
class LoadErrorsTest {
    @TempDir
    Path dir;

    @Test
    void missingFile() {
        Path file = dir.resolve("tokenizer.model");
        IOException e = assertThrows(NoSuchFileException.class, () -> LlamaTokenizer.load(file));
        assertMessage(e, file, "not found");
    }

    @Test
    void directory() {
        IOException e = assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(dir));
        assertMessage(e, dir, "directory");
    }

    @Test
    void emptyFile() throws IOException {
        Path file = Files.write(dir.resolve("tokenizer.model"), new byte[0]);
        assertMessage(assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(file)), file, "empty");
    }

    @Test
    void textFile() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.model"),
                "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}\nThis is a tokenizer.json, not a model.\n");
        assertMessage(assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(file)), file,
                "not a SentencePiece model");
    }

    @Test
    void randomBytes() throws IOException {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] noise = new byte[1 + random.nextInt(4096)];
            random.nextBytes(noise);
            Path file = Files.write(dir.resolve("random" + i + ".model"), noise);
            assertMessage(assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(file)), file, "");
        }
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        byte[] model = TinyModel.file().bytes();
        Path file = dir.resolve("tokenizer.model");
        for (int length = 1; length < model.length; length++) {
            Files.write(file, Arrays.copyOf(model, length));
            assertMessage(assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(file)), file, "");
        }
    }

    @Test
    void truncatedInsidePieceNamesTheProblem() throws IOException {
        byte[] model = TinyModel.file().bytes();
        Path file = Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(model, model.length / 2));
        assertMessage(assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(file)), file,
                "truncated");
    }

    @Test
    void unsupportedModelsAreRefusedByName() throws IOException {
        assertRefused(TinyModel.file().modelType(1), "unigram");
        assertRefused(TinyModel.file().charsmap(new byte[] {1, 2, 3}), "normalization rules");
        assertRefused(TinyModel.file().byteFallback(false), "byte fallback");
        assertRefused(TinyModel.file().piece("<user>", 0, PieceType.USER_DEFINED), "USER_DEFINED");
    }

    @Test
    void inconsistentVocabulariesAreRefused() throws IOException {
        assertRefused(TinyModel.file().piece("ab", -1), "occurs twice");
        assertRefused(TinyModel.file().piece("<unk2>", 0, PieceType.UNKNOWN), "two unknown pieces");
        assertRefused(TinyModel.file().piece("<0xZZ>", 0, PieceType.BYTE), "<0xNN>");
        assertRefused(TinyModel.file().piece("nan", Float.NaN), "NaN");
        assertRefused(ModelFile.llama().piece("", 0), "empty");
    }

    @Test
    void validModelLoads() throws IOException {
        LlamaTokenizer tokenizer = TinyModel.load(dir);
        assertEquals(TinyModel.SIZE, tokenizer.vocabSize());
        assertEquals(TinyModel.BOS, tokenizer.bos());
        assertEquals(TinyModel.EOS, tokenizer.eos());
        assertEquals("<0x0A>", tokenizer.piece(TinyModel.byteId('\n')));
        assertEquals("▁ab", tokenizer.piece(TinyModel.SPACE_AB));
    }

    private void assertRefused(ModelFile model, String problem) throws IOException {
        Path file = model.write(dir.resolve("tokenizer.model"));
        assertMessage(assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(file)), file, problem);
    }

    private static void assertMessage(IOException e, Path file, String problem) {
        String message = e.getMessage();
        assertTrue(message.startsWith(file.toString()), () -> "message does not name " + file + ": " + message);
        assertTrue(message.contains(problem), () -> "message does not say \"" + problem + "\": " + message);
        assertTrue(message.getBytes(StandardCharsets.UTF_8).length < 1000, () -> "message too long: " + message);
    }
}
