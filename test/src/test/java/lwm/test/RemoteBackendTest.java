package lwm.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.Generator;
import lwm.engine.generate.SamplingParams;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.remote.RemoteEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client and router against the real backend on loopback: the tiny long-context model on 8 simulated CPU
 * devices (sp=8), a 16,000-token prompt, sessions, probe, a killed and a frozen backend.
 */
class RemoteBackendTest {
    private static final String TOKEN = "test-token-" + System.nanoTime();
    private static final int DEVICES = 8;

    @TempDir
    static Path dir;

    private static BackendProcess backend;
    private static Path tokenFile;

    @BeforeAll
    static void startBackend() throws Exception {
        backend = BackendProcess.start(model(), DEVICES, 0, TOKEN, dir, "--chunk-size", "2048");
        tokenFile = dir.resolve("backend-token");
    }

    @AfterAll
    static void stopBackend() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    private static Path model() {
        return Fixtures.model("long", "hf-f32");
    }

    private static JsonNode longGreedy() {
        JsonNode golden = Fixtures.golden("long").json().get("long_greedy");
        org.junit.jupiter.api.Assumptions.assumeTrue(golden != null, "fixtures without long_greedy");
        return golden;
    }

    private static String csv(int[] ids) {
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(text.length() == 0 ? "" : ",").append(id);
        }
        return text.toString();
    }

    @Test
    void longContextIsRoutedToTheBackendAndMatchesTransformersAndTheLocalEngine() throws Exception {
        JsonNode golden = longGreedy();
        int[] prompt = Fixtures.ints(golden.get("prompt_ids"));
        int[] expected = Fixtures.ints(golden.get("generated_ids"));
        String[] common = {"generate", "--model", model().toString(), "--prompt-ids", csv(prompt), "--max-new-tokens",
                Integer.toString(expected.length), "--greedy", "--json", "--backend", backend.url(),
                "--backend-token-file", tokenFile.toString()};

        // A 256 MiB budget cannot hold even the runtime: the router must send the request to the backend.
        CliTest.Run remote = CliTest.lwm(concat(common, "--memory-budget", "256M"));
        assertEquals(0, remote.exit(), remote.err());
        assertTrue(remote.err().contains("route: remote"), remote.err());
        JsonNode remoteJson = new ObjectMapper().readTree(remote.out());
        assertEquals("remote", remoteJson.get("route").asText());
        assertArrayEquals(expected, Fixtures.ints(remoteJson.get("generated_ids")), "backend vs transformers");

        CliTest.Run local = CliTest.lwm(concat(common, "--route", "local"));
        assertEquals(0, local.exit(), local.err());
        JsonNode localJson = new ObjectMapper().readTree(local.out());
        assertEquals("local", localJson.get("route").asText());
        assertArrayEquals(expected, Fixtures.ints(localJson.get("generated_ids")), "local engine vs transformers");
    }

    @Test
    void followUpQuestionReusesTheSessionAndMatchesTheLocalEngine() throws Exception {
        int[] document = Arrays.copyOf(Fixtures.ints(longGreedy().get("prompt_ids")), 3000);
        try (RemoteEngine remote = new RemoteEngine(backend.config());
                LoadedModel local = ModelLoader.load(model(), Precision.F32)) {
            Generator generator = new Generator(local.model(), null);
            GenerationResult first = remote.generate(greedy(document, 6), event -> {}, new CancellationToken());
            // The document goes into a new session first; the request itself then sends only the last token.
            assertEquals(document.length - 1, remote.lastCachedTokens());
            assertArrayEquals(generator.generate(greedy(document, 6), event -> {}, new CancellationToken()).generatedIds(),
                    first.generatedIds());

            int[] followUp = concat(concat(document, first.generatedIds()), new int[] {20, 21, 22, 23, 24});
            List<GenerationEvent> events = new CopyOnWriteArrayList<>();
            GenerationResult second = remote.generate(greedy(followUp, 6), events::add, new CancellationToken());
            assertTrue(remote.lastCachedTokens() >= document.length,
                    "the follow-up reused the session: cached " + remote.lastCachedTokens());
            assertArrayEquals(generator.generate(greedy(followUp, 6), event -> {}, new CancellationToken()).generatedIds(),
                    second.generatedIds(), "session reuse gives the same answer as a full local prefill");
            int firstProgress = events.stream().filter(e -> e instanceof GenerationEvent.PrefillProgress)
                    .mapToInt(e -> ((GenerationEvent.PrefillProgress) e).processed()).min().orElse(-1);
            assertTrue(firstProgress >= document.length, "progress counts the reused prefix: " + firstProgress);
        }
    }

    @Test
    void aFollowUpLargerThanTheSessionsRoomMovesToALargerSession() throws Exception {
        int[] document = Fixtures.ints(longGreedy().get("prompt_ids"));
        int[] question = Arrays.copyOf(document, 100);
        try (RemoteEngine remote = new RemoteEngine(backend.config())) {
            GenerationResult first = remote.generate(greedy(question, 2), event -> {}, new CancellationToken());
            // The first session holds 100 tokens plus 8,192 of headroom; 9,000 more do not fit.
            int[] followUp = concat(concat(question, first.generatedIds()), Arrays.copyOfRange(document, 100, 9100));
            List<String> notices = new ArrayList<>();
            GenerationResult second = remote.generate(greedy(followUp, 3), event -> {
                if (event instanceof GenerationEvent.Notice) {
                    notices.add(((GenerationEvent.Notice) event).message());
                }
            }, new CancellationToken());
            assertTrue(notices.stream().anyMatch(n -> n.contains("is full")), "notices: " + notices);
            try (LoadedModel local = ModelLoader.load(model(), Precision.F32)) {
                assertArrayEquals(new Generator(local.model(), null).generate(greedy(followUp, 3), event -> {},
                        new CancellationToken()).generatedIds(), second.generatedIds());
            }
        }
    }

    @Test
    void probeChecksHealthModelStreamingAndProgress() {
        CliTest.Run run = CliTest.lwm("backend", "probe", backend.url(), "--backend-token-file", tokenFile.toString());
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("max context 16384"), run.out());
        assertTrue(run.out().contains(DEVICES + " devices"), run.out());
        assertTrue(run.out().contains("text streaming"), run.out());
    }

    @Test
    void probeWithAWrongTokenFailsAndSaysSo() throws Exception {
        Path wrong = dir.resolve("wrong-token");
        Files.writeString(wrong, "not-the-token");
        CliTest.Run run = CliTest.lwm("backend", "probe", backend.url(), "--backend-token-file", wrong.toString());
        assertEquals(1, run.exit(), run.out());
        assertTrue(run.out().contains("FAIL") && run.out().contains("token is missing or wrong"), run.out());
        assertTrue(!run.out().contains("not-the-token"), "the token is never printed");
    }

    @Test
    void aFrozenBackendIsDetectedByTheSilenceTimeoutInsteadOfHanging() throws Exception {
        int[] prompt = Arrays.copyOf(Fixtures.ints(longGreedy().get("prompt_ids")), 12000);
        try (RemoteEngine remote = new RemoteEngine(backend.config().withSilenceTimeout(Duration.ofSeconds(3)))) {
            UncheckedIOException error = assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                    assertThrows(UncheckedIOException.class, () -> remote.generate(greedy(prompt, 2), event -> {
                        if (event instanceof GenerationEvent.PrefillProgress) {
                            stop();
                        }
                    }, new CancellationToken())));
            assertTrue(error.getMessage().contains("nothing received for 3 s")
                    || error.getMessage().contains("no answer in time"), error.getMessage());
        } finally {
            backend.signal("CONT");
        }
    }

    private static void stop() {
        try {
            backend.signal("STOP");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aKilledBackendGivesAClearErrorAndAfterARestartTheSessionIsRecreated() throws Exception {
        int[] document = Fixtures.ints(longGreedy().get("prompt_ids"));
        int[] question = Arrays.copyOf(document, 200);
        BackendProcess own = BackendProcess.start(model(), DEVICES, 0, TOKEN, dir, "--chunk-size", "1024");
        int port = own.port();
        try (RemoteEngine remote = new RemoteEngine(own.config())) {
            GenerationResult first = remote.generate(greedy(question, 2), event -> {}, new CancellationToken());
            // 6,000 more tokens stay within the session's headroom, so the follow-up extends the same session.
            int[] followUp = concat(concat(question, first.generatedIds()), Arrays.copyOfRange(document, 200, 6200));
            BackendProcess victim = own;
            UncheckedIOException error = assertTimeoutPreemptively(Duration.ofSeconds(90), () ->
                    assertThrows(UncheckedIOException.class, () -> remote.generate(greedy(followUp, 2), event -> {
                        if (event instanceof GenerationEvent.PrefillProgress) {
                            kill(victim);
                        }
                    }, new CancellationToken())));
            assertTrue(error.getMessage().contains(victim.url()), "the error names the backend: " + error.getMessage());

            own = BackendProcess.start(model(), DEVICES, port, TOKEN, dir, "--chunk-size", "1024");
            List<String> notices = new ArrayList<>();
            GenerationResult again = remote.generate(greedy(followUp, 2), event -> {
                if (event instanceof GenerationEvent.Notice) {
                    notices.add(((GenerationEvent.Notice) event).message());
                }
            }, new CancellationToken());
            assertEquals(2, again.generatedIds().length);
            assertTrue(notices.stream().anyMatch(n -> n.contains("re-creating")), "notices: " + notices);
        } finally {
            own.close();
        }
    }

    private static void kill(BackendProcess process) {
        try {
            process.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static GenerationRequest greedy(int[] prompt, int tokens) {
        return GenerationRequest.of(prompt, tokens, SamplingParams.greedyDecoding()).withPrefillChunk(2048);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
