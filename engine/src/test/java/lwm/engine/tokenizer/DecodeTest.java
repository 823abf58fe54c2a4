package lwm.engine.tokenizer;

import static lwm.engine.tokenizer.TinyModel.A;
import static lwm.engine.tokenizer.TinyModel.BOS;
import static lwm.engine.tokenizer.TinyModel.EOS;
import static lwm.engine.tokenizer.TinyModel.SPACE;
import static lwm.engine.tokenizer.TinyModel.SPACE_AB;
import static lwm.engine.tokenizer.TinyModel.TWO_SPACES;
import static lwm.engine.tokenizer.TinyModel.UNK;
import static lwm.engine.tokenizer.TinyModel.byteId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SentencePiece's decoding rules and the streaming decoder on {@link TinyModel} (checked against Python). */
class DecodeTest {
    static LlamaTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        tokenizer = TinyModel.load(dir);
    }

    @Test
    void onlyTheFirstLeadingSpaceIsTheDummyPrefix() {
        assertEquals("ab ab", tokenizer.decode(new int[] {SPACE_AB, SPACE_AB}));
        assertEquals(" ", tokenizer.decode(new int[] {TWO_SPACES}));
        // "▁" alone uses up the dummy prefix, so the next piece keeps its space.
        assertEquals(" ab", tokenizer.decode(new int[] {SPACE, SPACE_AB}));
    }

    @Test
    void controlTokensAreInvisibleAndKeepThePrefixRule() {
        assertEquals("ab", tokenizer.decode(new int[] {BOS, SPACE_AB, EOS}));
    }

    @Test
    void textBeforeTheFirstPieceKeepsItsSpace() {
        assertEquals("\n ab", tokenizer.decode(new int[] {byteId('\n'), SPACE_AB}));
        assertEquals(" ⁇  ab", tokenizer.decode(new int[] {UNK, SPACE_AB}));
    }

    @Test
    void bytesFormUtf8Characters() {
        assertEquals("é", tokenizer.decode(new int[] {byteId(0xC3), byteId(0xA9)}));
        assertEquals("😀 ab",
                tokenizer.decode(new int[] {byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80), SPACE_AB}));
    }

    @Test
    void eachInvalidByteBecomesOneReplacementCharacter() {
        assertEquals("\uFFFD\uFFFD ab", tokenizer.decode(new int[] {byteId(0xF0), byteId(0x9F), SPACE_AB}));
        assertEquals("\uFFFD", tokenizer.decode(new int[] {byteId(0x80)}));
        assertEquals("\uFFFDA", tokenizer.decode(new int[] {byteId(0xC3), byteId('A')}));
        // Overlong form, UTF-16 surrogate, beyond U+10FFFF.
        assertEquals("\uFFFD".repeat(3), tokenizer.decode(new int[] {byteId(0xE0), byteId(0x80), byteId(0x80)}));
        assertEquals("\uFFFD".repeat(3), tokenizer.decode(new int[] {byteId(0xED), byteId(0xA0), byteId(0x80)}));
        assertEquals("\uFFFD".repeat(4),
                tokenizer.decode(new int[] {byteId(0xF4), byteId(0x90), byteId(0x80), byteId(0x80)}));
    }

    @Test
    void streamingHoldsBackIncompleteCharacters() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertEquals("", decoder.push(BOS));
        assertEquals("ab", decoder.push(SPACE_AB));
        assertEquals(" ", decoder.push(SPACE));
        assertEquals("", decoder.push(byteId(0xF0)));
        assertEquals("", decoder.push(byteId(0x9F)));
        assertEquals("", decoder.push(byteId(0x98)));
        assertEquals("😀", decoder.push(byteId(0x80)));
        assertEquals("\n", decoder.push(byteId('\n')));
        assertEquals("", decoder.push(byteId(0xC3)));
        assertEquals("\uFFFD ab", decoder.push(SPACE_AB));
        assertEquals("", decoder.flush());
    }

    @Test
    void streamingReleasesBytesThatCannotBecomeValid() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertEquals("", decoder.push(byteId(0xF0)));
        assertEquals("\uFFFD\n", decoder.push(byteId('\n')));
        assertEquals("", decoder.push(byteId(0xE2)));
        assertEquals("\uFFFD", decoder.flush());
    }

    @Test
    void streamingDeltasConcatenateToDecode() {
        Random random = new Random(11);
        for (int sequence = 0; sequence < 2000; sequence++) {
            int[] ids = new int[random.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                // Mostly bytes (the hard part), some of the other kinds.
                ids[i] = random.nextInt(4) == 0 ? random.nextInt(TinyModel.SIZE) : byteId(0x7F + random.nextInt(0x81));
            }
            StreamingDecoder decoder = tokenizer.newStreamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                streamed.append(decoder.push(id));
            }
            streamed.append(decoder.flush());
            assertEquals(tokenizer.decode(ids), streamed.toString(), () -> Arrays.toString(ids));
        }
    }

    @Test
    void encodeDecodeRoundTrips() {
        for (String text : List.of("ab ab", " ", "  b", "a é", "😀\n", "wxy aaa", "ünïcödé 中文 👍🏽")) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        for (int id : new int[] {-1, TinyModel.SIZE, Integer.MAX_VALUE}) {
            List<Runnable> uses = List.of(
                    () -> tokenizer.decode(new int[] {A, id}),
                    () -> tokenizer.newStreamingDecoder().push(id),
                    () -> tokenizer.piece(id));
            for (Runnable use : uses) {
                String message = assertThrows(IllegalArgumentException.class, use::run).getMessage();
                assertTrue(message.contains("token id " + id) && message.contains("size " + TinyModel.SIZE), message);
            }
        }
    }
}
