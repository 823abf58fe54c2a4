package lwm.app.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import lwm.app.store.Message.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process streams an answer into the store and is killed with SIGKILL at a random moment, twenty times over
 * one database file: every word it reported saved is there, the answer is marked interrupted, and every earlier
 * conversation is intact.
 */
@Timeout(180)
class KilledWriterTest {
    static final int KILLS = 20;

    @TempDir
    Path dir;

    @Test
    void aWriterKilledMidAnswerLosesNothing() throws Exception {
        Path file = dir.resolve("store.db");
        Random random = new Random(7);
        for (int run = 0; run < KILLS; run++) {
            int killAfter = 1 + random.nextInt(40);
            int saved = streamUntilKilled(file, run, killAfter);
            try (ConversationStore store = ConversationStore.open(file)) {
                assertEquals(1, store.interruptedOnOpen(), "run " + run);
                List<Conversation> all = store.conversations();
                assertEquals(run + 1, all.size());
                for (Conversation c : all) {
                    List<Message> messages = store.messages(c.id());
                    assertEquals(2, messages.size());
                    assertEquals(Status.INTERRUPTED, messages.get(1).status());
                }
                Message answer = store.messages(all.get(0).id()).get(1);
                assertTrue(answer.text().startsWith(KilledWriter.words(saved)),
                        "run " + run + ": reported " + saved + " words saved, found '" + answer.text() + "'");
            }
        }
    }

    /** Runs {@link KilledWriter} until it reports {@code killAfter} words saved, kills it; returns the last count. */
    private static int streamUntilKilled(Path file, int run, int killAfter) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KilledWriter.class.getName(), file.toString(), "run " + run)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int saved = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (saved < killAfter && (line = out.readLine()) != null) {
                saved = Integer.parseInt(line.trim());
            }
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(killAfter, saved, "the writer stopped before it was killed");
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        return saved;
    }
}
