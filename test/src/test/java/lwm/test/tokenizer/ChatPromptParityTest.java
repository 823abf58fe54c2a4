package lwm.test.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import lwm.engine.tokenizer.ChatPrompt;
import lwm.engine.tokenizer.LlamaTokenizer;
import org.junit.jupiter.api.Test;

/** LWM's text chat layout on the fixture tokenizer, against Python sentencepiece's ids of the template. */
class ChatPromptParityTest {
    static final String TEMPLATE_CASE = "You are a helpful assistant. USER: What is 2+2? ASSISTANT:";

    @Test
    void singleTurnIsBosThenPythonIdsOfTheTemplate() throws IOException {
        TokenizerFixtures.Golden golden = TokenizerFixtures.golden();
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        int[] expected = IntStream.concat(IntStream.of(golden.bos()), IntStream.of(golden.find(TEMPLATE_CASE).ids()))
                .toArray();
        assertArrayEquals(expected, ChatPrompt.textChat(tokenizer, List.of(), "What is 2+2?"));
    }

    @Test
    void multiTurnClosesAnswersWithEosAndHasOneBos() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(TokenizerFixtures.model());
        List<ChatPrompt.Turn> history = List.of(
                new ChatPrompt.Turn("What is 2+2?", "The answer is 4."),
                new ChatPrompt.Turn("Where is the nearest station?", "The station is 500 meters away."));
        int[] prompt = ChatPrompt.textChat(tokenizer, history, "Why is the sky blue?");
        int[] expected = Stream.of(
                        new int[] {tokenizer.bos()},
                        tokenizer.encode("You are a helpful assistant. USER: What is 2+2? ASSISTANT:"),
                        tokenizer.encode("The answer is 4."),
                        new int[] {tokenizer.eos()},
                        tokenizer.encode("USER: Where is the nearest station? ASSISTANT:"),
                        tokenizer.encode("The station is 500 meters away."),
                        new int[] {tokenizer.eos()},
                        tokenizer.encode("USER: Why is the sky blue? ASSISTANT:"))
                .flatMapToInt(IntStream::of).toArray();
        assertArrayEquals(expected, prompt);
        assertEquals(tokenizer.bos(), prompt[0]);
        assertEquals(1, IntStream.of(prompt).filter(id -> id == tokenizer.bos()).count());
        assertEquals(2, IntStream.of(prompt).filter(id -> id == tokenizer.eos()).count());
    }
}
