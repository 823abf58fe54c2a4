package lwm.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.nio.file.Path;
import lwm.app.cli.LwmCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lwm generate} end to end on the tiny fixture models. */
class CliTest {
    record Run(int exit, String out, String err) {}

    static Run lwm(String... args) {
        return lwmWithInput("", args);
    }

    static Run lwmWithInput(String input, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = LwmCommand.run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void jsonGreedyOutputMatchesTransformersAndListsTopFive() throws Exception {
        Fixtures.Golden golden = Fixtures.golden("s4x256");
        int[] prompt = Fixtures.ints(golden.json().get("greedy").get("prompt_ids"));
        int[] expected = Fixtures.ints(golden.json().get("greedy").get("generated_ids"));
        StringBuilder ids = new StringBuilder();
        for (int id : prompt) {
            ids.append(ids.length() == 0 ? "" : ",").append(id);
        }
        // s4x256 has no tokenizer: --prompt-ids must work without one, and "text" is absent.
        Run run = lwm("generate", "--model", Fixtures.model("s4x256", "jax").toString(), "--prompt-ids", ids.toString(),
                "--max-new-tokens", "12", "--greedy", "--json");
        assertEquals(0, run.exit, run.err);
        JsonNode json = new ObjectMapper().readTree(run.out);
        assertArrayEquals(prompt, Fixtures.ints(json.get("prompt_ids")));
        int[] generated = Fixtures.ints(json.get("generated_ids"));
        assertArrayEquals(java.util.Arrays.copyOf(expected, generated.length), generated);
        assertFalse(json.has("text"));
        assertEquals(generated.length, json.get("steps").size());
        for (int i = 0; i < generated.length; i++) {
            JsonNode step = json.get("steps").get(i);
            assertEquals(5, step.size());
            assertEquals(generated[i], step.get(0).get(0).asInt(), "greedy picks the top logit");
            for (int k = 1; k < 5; k++) {
                assertTrue(step.get(k - 1).get(1).asDouble() >= step.get(k).get(1).asDouble());
            }
        }
        assertTrue(json.get("timings").get("decode_tokens_per_s").asDouble() > 0);
    }

    @Test
    void textPromptIsEncodedWithOneBosAndDecoded() throws Exception {
        Run run = lwm("generate", "--model", Fixtures.model("s2x64", "hf-f32").toString(), "--prompt", "the quick brown",
                "--max-new-tokens", "6", "--temperature", "0.8", "--seed", "3", "--json");
        assertEquals(0, run.exit, run.err);
        JsonNode json = new ObjectMapper().readTree(run.out);
        assertEquals(1, json.get("prompt_ids").get(0).asInt());
        for (int i = 1; i < json.get("prompt_ids").size(); i++) {
            assertTrue(json.get("prompt_ids").get(i).asInt() != 1, "only one BOS");
        }
        assertTrue(json.has("text"));
        Run again = lwm("generate", "--model", Fixtures.model("s2x64", "hf-f32").toString(), "--prompt", "the quick brown",
                "--max-new-tokens", "6", "--temperature", "0.8", "--seed", "3", "--json");
        assertEquals(json.get("generated_ids"), new ObjectMapper().readTree(again.out).get("generated_ids"));
    }

    @Test
    void missingModelIsOneLineErrorWithExitCode(@TempDir Path dir) {
        Run run = lwm("generate", "--model", dir.resolve("nowhere").toString(), "--prompt-ids", "1,2");
        assertEquals(1, run.exit);
        assertTrue(run.err.startsWith("lwm: error: "), run.err);
        assertTrue(run.err.contains("nowhere"), run.err);
        assertEquals(1, run.err.strip().lines().count(), run.err);
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        Run run = lwm("generate", "--model", Fixtures.model("s2x64", "hf-f32").toString(), "--prompt-ids", "1,99999");
        assertEquals(1, run.exit);
        assertTrue(run.err.contains("99999") && run.err.contains("vocabulary"), run.err);
    }

    @Test
    void promptLongerThanTheContextIsRejected() {
        StringBuilder ids = new StringBuilder("1");
        for (int i = 0; i < 4096; i++) {
            ids.append(",5");
        }
        Run run = lwm("generate", "--model", Fixtures.model("s2x64", "hf-f32").toString(), "--prompt-ids", ids.toString());
        assertEquals(1, run.exit);
        assertTrue(run.err.contains("max_sequence_length"), run.err);
    }

    @Test
    void greedyAndTemperatureTogetherAreAUsageError() {
        Run run = lwm("generate", "--model", Fixtures.model("s2x64", "hf-f32").toString(), "--prompt-ids", "1,2",
                "--greedy", "--temperature", "0.5");
        assertTrue(run.exit != 0);
        assertTrue(run.err.contains("--greedy"), run.err);
    }

    @Test
    void chatAnswersEachLineAndKeepsTheConversation() {
        Run run = lwmWithInput("hello there\nwhat next?\n/reset\nagain\n/exit\n", "chat", "--model",
                Fixtures.model("s2x64", "jax").toString(), "--max-new-tokens", "5");
        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.startsWith("> "), run.out);
        int[] promptTokens = run.err.lines().filter(l -> l.contains("tok/s"))
                .mapToInt(l -> Integer.parseInt(l.substring(1, l.indexOf(' ')))).toArray();
        assertEquals(3, promptTokens.length, run.err);
        assertTrue(promptTokens[1] > promptTokens[0], "the second turn carries the first: " + run.err);
        assertTrue(promptTokens[2] < promptTokens[1], "/reset forgets the conversation: " + run.err);
    }
}
