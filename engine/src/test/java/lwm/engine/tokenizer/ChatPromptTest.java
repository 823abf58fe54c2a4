package lwm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text chat layout: one BOS, pieces encoded separately, earlier answers closed by EOS. */
class ChatPromptTest {
    static LlamaTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        tokenizer = TinyModel.load(dir);
    }

    @Test
    void singleTurnIsTheSamplePytTemplateAfterOneBos() {
        int[] expected = concat(new int[] {TinyModel.BOS},
                tokenizer.encode("You are a helpful assistant. USER: ab ASSISTANT:"));
        assertArrayEquals(expected, ChatPrompt.textChat(tokenizer, List.of(), "ab"));
    }

    @Test
    void historyComesFirstWithEachAnswerClosedByEos() {
        List<ChatPrompt.Turn> history = List.of(new ChatPrompt.Turn("q1", "a1"), new ChatPrompt.Turn("q2", "a2 é"));
        int[] expected = concat(new int[] {TinyModel.BOS},
                tokenizer.encode("You are a helpful assistant. USER: q1 ASSISTANT:"), tokenizer.encode("a1"),
                new int[] {TinyModel.EOS},
                tokenizer.encode("USER: q2 ASSISTANT:"), tokenizer.encode("a2 é"), new int[] {TinyModel.EOS},
                tokenizer.encode("USER: q3 ASSISTANT:"));
        int[] prompt = ChatPrompt.textChat(tokenizer, history, "q3");
        assertArrayEquals(expected, prompt);
        assertEquals(1, IntStream.of(prompt).filter(id -> id == TinyModel.BOS).count());
        assertEquals(2, IntStream.of(prompt).filter(id -> id == TinyModel.EOS).count());
    }

    @Test
    void builderStartsWithBosAndEncodesPiecesSeparately() {
        int[] ids = new PromptBuilder(tokenizer).text("ab").text("ab").eos().build();
        assertArrayEquals(new int[] {TinyModel.BOS, TinyModel.SPACE_AB, TinyModel.SPACE_AB, TinyModel.EOS}, ids);
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
