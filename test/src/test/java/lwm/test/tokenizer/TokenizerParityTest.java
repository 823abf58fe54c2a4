package lwm.test.tokenizer;

import static lwm.test.tokenizer.TokenizerFixtures.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import lwm.engine.tokenizer.InvalidTokenizerException;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.StreamingDecoder;
import lwm.test.tokenizer.TokenizerFixtures.Case;
import lwm.test.tokenizer.TokenizerFixtures.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.ThrowingConsumer;
import org.junit.jupiter.api.io.TempDir;

/** The Java tokenizer against Python sentencepiece's golden tokenizations of the fixture model. */
class TokenizerParityTest {

    @Test
    void vocabularyAndSpecialIdsMatch() throws IOException {
        Golden golden = TokenizerFixtures.golden();
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        assertEquals(golden.vocabSize(), tokenizer.vocabSize());
        assertEquals(golden.bos(), tokenizer.bos());
        assertEquals(golden.eos(), tokenizer.eos());
    }

    @TestFactory
    Stream<DynamicTest> encodeMatchesPython() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        return perCase(c -> {
            int[] ids = tokenizer.encode(c.text());
            assertArrayEquals(c.ids(), ids, () -> "ids of " + quote(c.text()) + ": " + Arrays.toString(ids));
            assertEquals(c.pieces(), Arrays.stream(ids).mapToObj(tokenizer::piece).toList());
        });
    }

    @TestFactory
    Stream<DynamicTest> decodeMatchesPython() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        return perCase(c -> assertEquals(c.decoded(), tokenizer.decode(c.ids())));
    }

    @TestFactory
    Stream<DynamicTest> streamedDeltasConcatenateToDecoded() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        return perCase(c -> {
            StreamingDecoder decoder = tokenizer.newStreamingDecoder();
            StringBuilder text = new StringBuilder();
            for (int id : c.ids()) {
                String delta = decoder.push(id);
                // Incomplete characters are held back, never shown as replacement characters.
                assertFalse(delta.contains("\uFFFD"), () -> quote(c.text()) + ": delta " + quote(delta));
                text.append(delta);
            }
            text.append(decoder.flush());
            assertEquals(c.decoded(), text.toString());
        });
    }

    @Test
    void emojiAppearsOnceComplete() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        int[] ids = tokenizer.encode("😀");
        assertEquals(List.of("▁", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"),
                Arrays.stream(ids).mapToObj(tokenizer::piece).toList());
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        List<String> deltas = new ArrayList<>();
        for (int id : ids) {
            deltas.add(decoder.push(id));
        }
        assertEquals(List.of("", "", "", "", "😀"), deltas);
        assertEquals("", decoder.flush());
    }

    @Test
    void concurrentEncodesMatchPython() throws Exception {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        List<Case> cases = TokenizerFixtures.golden().cases();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        for (Case c : cases) {
                            assertArrayEquals(c.ids(), tokenizer.encode(c.text()), quote(c.text()));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void truncatedModelIsAClearError(@TempDir Path dir) throws IOException {
        byte[] model = Files.readAllBytes(TokenizerFixtures.model());
        Path truncated = Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(model, model.length / 2));
        String message = assertThrows(InvalidTokenizerException.class, () -> LlamaTokenizer.load(truncated))
                .getMessage();
        assertTrue(message.startsWith(truncated.toString()), message);
        assertTrue(message.contains("truncated"), message);
    }

    private static Stream<DynamicTest> perCase(ThrowingConsumer<Case> check) throws IOException {
        return TokenizerFixtures.golden().cases().stream()
                .map(c -> dynamicTest(quote(c.text()), () -> check.accept(c)));
    }
}
