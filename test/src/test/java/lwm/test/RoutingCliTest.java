package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The router's refusals on the command line: each says why and what would make the request fit. */
class RoutingCliTest {
    private static String model() {
        return Fixtures.model("long", "hf-f32").toString();
    }

    @Test
    void aRequestOverTheLocalBudgetWithoutABackendListsWaysToFit() {
        CliTest.Run run = CliTest.lwm("generate", "--model", model(), "--prompt-ids", "1,20,21", "--max-new-tokens", "4",
                "--greedy", "--memory-budget", "256M", "--backend", "");
        assertEquals(1, run.exit(), run.err());
        String err = run.err();
        assertTrue(err.contains("does not fit") && err.contains("over the 0.25 GiB local budget"), err);
        assertTrue(err.contains("no backend is configured") && err.contains("--backend URL"), err);
        assertTrue(err.contains("fewer frames") && err.contains("--range"), err);
    }

    @Test
    void aPromptOverTheModelsContextIsRefusedBeforeAnyWork() {
        StringBuilder ids = new StringBuilder("1");
        for (int i = 0; i < 16400; i++) {
            ids.append(',').append(20 + i % 400);
        }
        CliTest.Run run = CliTest.lwm("generate", "--model", model(), "--prompt-ids", ids.toString(), "--greedy",
                "--max-new-tokens", "4", "--backend", "");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("exceed the model's max_sequence_length of 16384"), run.err());
    }

    @Test
    void routeRemoteWithoutABackendIsAnError() {
        CliTest.Run run = CliTest.lwm("generate", "--model", model(), "--prompt-ids", "1,20", "--route", "remote",
                "--backend", "");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("--route remote needs a backend"), run.err());
    }

    @Test
    void anUnreachableBackendIsReportedAsTheReasonNotAHang() {
        CliTest.Run run = CliTest.lwm("generate", "--model", model(), "--prompt-ids", "1,20", "--route", "remote",
                "--backend", "http://127.0.0.1:9", "--max-new-tokens", "2");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("http://127.0.0.1:9") && run.err().contains("not healthy"), run.err());
    }
}
