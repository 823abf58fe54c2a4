package lwm.test.tokenizer;

import static lwm.test.tokenizer.TokenizerFixtures.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.StreamingDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random texts and random id sequences (invalid UTF-8 byte runs included) through the Java tokenizer and Python
 * sentencepiece; the golden cases are few, this covers the merge order and byte rules broadly.
 */
class RandomParityTest {
    private static final List<String> FRAGMENTS = List.of(
            "the", "The", "assistant", "USER:", "ASSISTANT:", "<vision>", "</vision>", "<s>", "</s>", "helpful",
            "station", "apples", "café", "Zürich", "Málaga", "naïve", "—", "€", "«", "»", "2+2?", "1987", "7:45",
            "😀", "👍🏽", "中文", "日本語", "Ωμέγα", "Привет",
            "\n", "\t", " ", "  ", "    ", ".", ",", "#", "▁", "\u00a0");

    @Test
    void randomTextsEncodeAndDecodeLikePython(@TempDir Path work) throws Exception {
        Random random = new Random(2024);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            texts.add(randomText(random));
        }
        List<int[]> idSequences = new ArrayList<>();
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        for (int i = 0; i < 3000; i++) {
            idSequences.add(randomIds(random, tokenizer.vocabSize()));
        }
        PythonSentencePiece.Answer python =
                PythonSentencePiece.ask(TokenizerFixtures.model(), texts, idSequences, work);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            assertArrayEquals(python.encoded().get(i), tokenizer.encode(text), () -> "encode " + quote(text));
            assertEquals(python.encodedDecoded().get(i), tokenizer.decode(python.encoded().get(i)),
                    () -> "decode of encoded " + quote(text));
        }
        for (int i = 0; i < idSequences.size(); i++) {
            int[] ids = idSequences.get(i);
            assertEquals(python.decoded().get(i), tokenizer.decode(ids), () -> "decode " + Arrays.toString(ids));
            assertEquals(python.decoded().get(i), streamed(tokenizer, ids), () -> "stream " + Arrays.toString(ids));
        }
    }

    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int parts = random.nextInt(40);
        for (int p = 0; p < parts; p++) {
            switch (random.nextInt(4)) {
                case 0 -> text.appendCodePoint(randomCodePoint(random));
                case 1 -> text.append((char) ('a' + random.nextInt(26)));
                default -> text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
            }
        }
        return text.toString();
    }

    /** Any scalar value: ASCII, Latin, the BMP, or beyond; never a surrogate, which has no UTF-8 form. */
    private static int randomCodePoint(Random random) {
        int limit = switch (random.nextInt(4)) {
            case 0 -> 0x80;
            case 1 -> 0x800;
            case 2 -> 0x10000;
            default -> 0x110000;
        };
        int codePoint;
        do {
            codePoint = random.nextInt(limit);
        } while (Character.isSurrogate((char) codePoint) && codePoint < 0x10000);
        return codePoint;
    }

    /** Mostly byte pieces (ids 3..258), so runs of valid and invalid UTF-8 both occur, mixed with other pieces. */
    private static int[] randomIds(Random random, int vocabSize) {
        int[] ids = new int[random.nextInt(16)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(3) == 0 ? random.nextInt(vocabSize) : 3 + 0x80 + random.nextInt(0x80);
        }
        return ids;
    }

    private static String streamed(LlamaTokenizer tokenizer, int[] ids) {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.push(id));
        }
        return text.append(decoder.flush()).toString();
    }

}
