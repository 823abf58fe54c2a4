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

/** Follow-ups about an attachment extend LWM's vision prompt exactly; text and vision turns mix. */
class ConversationPromptTest {
    static LlamaTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        tokenizer = TinyModel.load(dir);
    }

    private static int[] frame(int base) {
        return IntStream.range(0, VisionTokens.CODES_PER_FRAME).map(i -> base + i).toArray();
    }

    @Test
    void aFollowUpExtendsTheFirstVisionTurnByItsAnswerEosAndTheNextQuestion() {
        List<List<int[]>> image = List.of(List.of(frame(7)));
        VisionPrompt first = VisionPrompt.chat(tokenizer, "ab", image);
        int[] answer = {TinyModel.SPACE_AB};
        VisionPrompt followUp = ConversationPrompt.build(tokenizer, List.of(
                new ConversationPrompt.Turn("ab", image, null, answer), ConversationPrompt.Turn.ask("ab", List.of())));
        int[] expected = concat(first.ids(), answer, new int[] {tokenizer.eos()}, tokenizer.encode("USER: ab ASSISTANT:"));
        assertArrayEquals(expected, followUp.ids());
        assertArrayEquals(first.attachmentStarts(), followUp.attachmentStarts());
        boolean[] mask = Arrays.copyOf(first.visionMask(), expected.length);
        assertArrayEquals(mask, followUp.visionMask());
    }

    @Test
    void anAttachmentInALaterTurnGetsItsOwnVisionBlockWithoutTheSystemPrompt() {
        VisionPrompt prompt = ConversationPrompt.build(tokenizer, List.of(
                new ConversationPrompt.Turn("ab", List.of(), "ab", null),
                ConversationPrompt.Turn.ask("ab", List.of(List.of(frame(1), frame(2))))));
        int[] head = concat(ChatPrompt.textChat(tokenizer, List.of(), "ab"), tokenizer.encode("ab"),
                new int[] {tokenizer.eos()}, tokenizer.encode("USER: ab\n"), tokenizer.encode("<vision>"));
        assertArrayEquals(new int[] {head.length}, prompt.attachmentStarts());
        assertArrayEquals(head, Arrays.copyOf(prompt.ids(), head.length));
        assertEquals(VisionTokens.END_OF_VISION, prompt.ids()[head.length + 2 * VisionTokens.TOKENS_PER_FRAME - 1]);
        int visionIds = 0;
        for (boolean v : prompt.visionMask()) {
            visionIds += v ? 1 : 0;
        }
        assertEquals(2 * VisionTokens.TOKENS_PER_FRAME, visionIds);
    }

    @Test
    void onlyTheLastTurnMayBeUnansweredAndBadAttachmentsAreNamedAcrossTurns() {
        IllegalArgumentException unanswered = assertThrows(IllegalArgumentException.class, () -> ConversationPrompt.build(
                tokenizer, List.of(ConversationPrompt.Turn.ask("ab", List.of()), ConversationPrompt.Turn.ask("ab", List.of()))));
        assertTrue(unanswered.getMessage().contains("turn 0 has no answer"), unanswered.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ConversationPrompt.build(
                tokenizer, List.of(new ConversationPrompt.Turn("ab", List.of(List.of(frame(0))), "ab", null),
                        ConversationPrompt.Turn.ask("ab", List.of(List.of(new int[3]))))));
        assertTrue(bad.getMessage().startsWith("attachment 1: frame 0 has 3 codes"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConversationPrompt.build(tokenizer, List.of()));
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
