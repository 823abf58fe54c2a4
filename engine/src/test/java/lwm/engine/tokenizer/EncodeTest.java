package lwm.engine.tokenizer;

import static lwm.engine.tokenizer.TinyModel.A;
import static lwm.engine.tokenizer.TinyModel.AA;
import static lwm.engine.tokenizer.TinyModel.B;
import static lwm.engine.tokenizer.TinyModel.BC;
import static lwm.engine.tokenizer.TinyModel.SPACE;
import static lwm.engine.tokenizer.TinyModel.SPACE_AB;
import static lwm.engine.tokenizer.TinyModel.TWO_SPACES;
import static lwm.engine.tokenizer.TinyModel.W;
import static lwm.engine.tokenizer.TinyModel.XY;
import static lwm.engine.tokenizer.TinyModel.byteId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SentencePiece BPE rules on {@link TinyModel}; every expectation matches Python sentencepiece on the same file. */
class EncodeTest {
    static LlamaTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        tokenizer = TinyModel.load(dir);
    }

    @Test
    void emptyTextHasNoIds() {
        assertArrayEquals(new int[0], tokenizer.encode(""));
    }

    @Test
    void higherScoreMergesFirst() {
        // "▁abc": bc (-3) beats ab (-5); "abc" is no piece, so the stale ab candidate is dropped.
        assertArrayEquals(new int[] {SPACE, A, BC}, tokenizer.encode("abc"));
    }

    @Test
    void mergesRepeatWithTheDummyPrefix() {
        // "▁ab": a+b, then ▁+ab.
        assertArrayEquals(new int[] {SPACE_AB}, tokenizer.encode("ab"));
        assertArrayEquals(new int[] {SPACE_AB, SPACE_AB}, tokenizer.encode("ab ab"));
    }

    @Test
    void equalScoresMergeLeftmostFirst() {
        assertArrayEquals(new int[] {SPACE, AA, A}, tokenizer.encode("aaa"));
    }

    @Test
    void zeroScoresAboveNegativeZero() {
        // wx scores -0.0 and xy 0.0: sentencepiece 0.2.2 merges xy although wx is further left.
        assertArrayEquals(new int[] {SPACE, W, XY}, tokenizer.encode("wxy"));
    }

    @Test
    void spacesAreEscapedAndKeptAfterTheDummyPrefix() {
        assertArrayEquals(new int[] {TWO_SPACES}, tokenizer.encode(" "));
        assertArrayEquals(new int[] {TWO_SPACES, SPACE, B}, tokenizer.encode("  b"));
    }

    @Test
    void unknownCharactersFallBackToUtf8Bytes() {
        assertArrayEquals(new int[] {SPACE, A, SPACE, byteId(0xC3), byteId(0xA9)}, tokenizer.encode("a é"));
        assertArrayEquals(new int[] {SPACE, byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80), byteId('\n')},
                tokenizer.encode("😀\n"));
        // More ids than characters, with known pieces after the bytes.
        assertArrayEquals(new int[] {SPACE, byteId(0xC3), byteId(0xA9), SPACE, B}, tokenizer.encode("é b"));
    }

    @Test
    void specialTokenTextIsPlainText() {
        assertArrayEquals(new int[] {SPACE, byteId('<'), byteId('s'), byteId('>')}, tokenizer.encode("<s>"));
    }

    @Test
    void loneSurrogateIsEncodedAsReplacementCharacter() {
        assertArrayEquals(new int[] {SPACE, byteId(0xEF), byteId(0xBF), byteId(0xBD), A},
                tokenizer.encode("\uD83Da"));
    }

    @Test
    void concurrentEncodesAgree() throws Exception {
        List<String> texts = List.of("abc", "ab ab", "aaa", "wxy", "a é", "😀\n", "  b", "é b");
        List<int[]> expected = new ArrayList<>();
        for (String text : texts) {
            expected.add(tokenizer.encode(text));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<int[]>>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    List<int[]> out = new ArrayList<>();
                    for (int round = 0; round < 500; round++) {
                        for (String text : texts) {
                            out.add(tokenizer.encode(text));
                        }
                    }
                    return out;
                }));
            }
            for (Future<List<int[]>> result : results) {
                List<int[]> out = result.get();
                for (int i = 0; i < out.size(); i++) {
                    assertArrayEquals(expected.get(i % texts.size()), out.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
