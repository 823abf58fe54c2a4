package lwm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LWM's vision-chat layout: question first, each attachment in its own vision block, the mask exactly on codes. */
class VisionPromptTest {
    static LlamaTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        tokenizer = TinyModel.load(dir);
    }

    /** A frame whose codes are {@code base, base + 1, ...}, so frames are told apart. */
    private static int[] frame(int base) {
        return IntStream.range(0, VisionTokens.CODES_PER_FRAME).map(i -> (base + i) % VisionTokens.CODEBOOK_SIZE).toArray();
    }

    @Test
    void oneImageIsQuestionThenVisionBlockThenAssistant() {
        int[] image = frame(8000); // wraps past 8191 to 0: the whole codebook range is accepted
        VisionPrompt prompt = VisionPrompt.chat(tokenizer, "ab", List.of(List.of(image)));
        int[] head = concat(new int[] {TinyModel.BOS}, tokenizer.encode("You are a helpful assistant. USER: ab\n"),
                tokenizer.encode("<vision>"));
        int[] expected = concat(head, image, new int[] {VisionTokens.END_OF_VISION}, tokenizer.encode("</vision>"),
                tokenizer.encode(" ASSISTANT:"));
        assertArrayEquals(expected, prompt.ids());
        assertArrayEquals(new int[] {head.length}, prompt.attachmentStarts());
        assertMaskCovers(prompt, new int[][] {{head.length, head.length + VisionTokens.TOKENS_PER_FRAME}});
    }

    @Test
    void framesOfAClipAreClosedByEndOfFrameAndTheLastByEndOfVision() {
        int[] ids = VisionTokens.clip(List.of(frame(0), frame(1), frame(2)));
        assertEquals(3 * VisionTokens.TOKENS_PER_FRAME, ids.length);
        assertEquals(VisionTokens.END_OF_FRAME, ids[256]);
        assertEquals(VisionTokens.END_OF_FRAME, ids[2 * 257 - 1]);
        assertEquals(VisionTokens.END_OF_VISION, ids[3 * 257 - 1]);
        assertArrayEquals(frame(1), Arrays.copyOfRange(ids, 257, 257 + 256));
    }

    @Test
    void twoAttachmentsFollowEachOtherInOrder() {
        List<int[]> image = List.of(frame(5));
        List<int[]> clip = List.of(frame(7), frame(9));
        VisionPrompt prompt = VisionPrompt.chat(tokenizer, "ab", List.of(image, clip));
        int[] open = tokenizer.encode("<vision>");
        int[] close = tokenizer.encode("</vision>");
        int[] expected = concat(new int[] {TinyModel.BOS}, tokenizer.encode("You are a helpful assistant. USER: ab\n"),
                open, VisionTokens.clip(image), close, open, VisionTokens.clip(clip), close,
                tokenizer.encode(" ASSISTANT:"));
        assertArrayEquals(expected, prompt.ids());
        int first = prompt.attachmentStarts()[0];
        int second = prompt.attachmentStarts()[1];
        assertEquals(first + 257 + close.length + open.length, second);
        assertMaskCovers(prompt, new int[][] {{first, first + 257}, {second, second + 2 * 257}});
        long textBos = IntStream.range(0, prompt.ids().length)
                .filter(i -> !prompt.visionMask()[i] && prompt.ids()[i] == TinyModel.BOS).count();
        assertEquals(1, textBos);
    }

    @Test
    void codesOutsideTheCodebookAreRejectedNamingAttachmentFrameAndIndex() {
        int[] bad = frame(0);
        bad[17] = VisionTokens.END_OF_FRAME; // a delimiter is not a code
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VisionPrompt.chat(tokenizer, "q", List.of(List.of(frame(0)), List.of(frame(1), bad))));
        assertTrue(e.getMessage().contains("attachment 1") && e.getMessage().contains("frame 1")
                && e.getMessage().contains("code 17") && e.getMessage().contains("8192"), e.getMessage());
        int[] negative = frame(0);
        negative[0] = -1;
        assertThrows(IllegalArgumentException.class, () -> VisionPrompt.chat(tokenizer, "q", List.of(List.of(negative))));
    }

    @Test
    void malformedAttachmentsAreRejected() {
        IllegalArgumentException shortFrame = assertThrows(IllegalArgumentException.class,
                () -> VisionPrompt.chat(tokenizer, "q", List.of(List.of(new int[255]))));
        assertTrue(shortFrame.getMessage().contains("255 codes"), shortFrame.getMessage());
        IllegalArgumentException noFrames = assertThrows(IllegalArgumentException.class,
                () -> VisionPrompt.chat(tokenizer, "q", List.of(List.of())));
        assertTrue(noFrames.getMessage().contains("attachment 0: no frames"), noFrames.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VisionPrompt.chat(tokenizer, "q", List.of()));
    }

    @Test
    void builderMarksOnlyVisionIds() {
        PromptBuilder builder = new PromptBuilder(tokenizer).text("ab").vision(new int[] {8193, 1}).text("ab");
        assertEquals(5, builder.length());
        assertArrayEquals(new int[] {TinyModel.BOS, TinyModel.SPACE_AB, 8193, 1, TinyModel.SPACE_AB}, builder.build());
        assertArrayEquals(new boolean[] {false, false, true, true, false}, builder.visionMask());
    }

    private static void assertMaskCovers(VisionPrompt prompt, int[][] ranges) {
        boolean[] expected = new boolean[prompt.ids().length];
        for (int[] range : ranges) {
            Arrays.fill(expected, range[0], range[1], true);
        }
        assertArrayEquals(expected, prompt.visionMask());
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
