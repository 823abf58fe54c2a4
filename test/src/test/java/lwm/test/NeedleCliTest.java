package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.app.model.DemoModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code lwm needle} on a tiny model: a grid run with LWM's results file, resume, import, and refusals. */
@Timeout(180)
class NeedleCliTest {
    @TempDir
    Path dir;

    @Test
    void runsAGridWritesLwmsResultsAndImportsThemBack() throws Exception {
        Path model = VisionModel.assemble(dir.resolve("model"));
        Path results = dir.resolve("results.json");
        String haystack = DemoModel.locate().resolve("haystack.txt").toString();
        CliTest.Run run = CliTest.lwm("needle", "--model", model.toString(), "--haystack", haystack, "--min", "300",
                "--max", "600", "--lengths", "2", "--depths", "2", "--max-new-tokens", "3", "--results", results.toString(),
                "--heatmap", dir.resolve("heat.png").toString(), "--data", dir.resolve("data").toString(), "--json");
        assertEquals(0, run.exit(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals("done", json.get("status").asText());
        assertEquals(4, json.get("results").size());
        assertEquals(4, new ObjectMapper().readTree(results.toFile()).size());
        assertTrue(Files.size(dir.resolve("heat.png")) > 0);
        assertTrue(run.err().contains("cell 4/4"), run.err());

        CliTest.Run again = CliTest.lwm("needle", "--model", model.toString(), "--resume", json.get("run").asText(),
                "--data", dir.resolve("data").toString(), "--json");
        assertEquals(0, again.exit(), again.err());
        assertEquals(4, new ObjectMapper().readTree(again.out()).get("cells").asInt(), "a finished run asks nothing more");

        CliTest.Run imported = CliTest.lwm("needle", "--model", model.toString(), "--import", results.toString(),
                "--csv", dir.resolve("heat.csv").toString(), "--data", dir.resolve("data").toString(), "--json");
        assertEquals(0, imported.exit(), imported.err());
        assertEquals("imported", new ObjectMapper().readTree(imported.out()).get("status").asText());
        assertEquals(5, Files.readAllLines(dir.resolve("heat.csv")).size());
    }

    @Test
    void aGridBeyondTheContextAndAMissingHaystackAreRefused() throws Exception {
        Path model = VisionModel.assemble(dir.resolve("model"));
        CliTest.Run run = CliTest.lwm("needle", "--model", model.toString(), "--haystack",
                DemoModel.locate().resolve("haystack.txt").toString(), "--max", "40000", "--data", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("exceed this model's context of 32768"), run.err());
        run = CliTest.lwm("needle", "--model", model.toString(), "--data", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("give --haystack FILE"), run.err());
        run = CliTest.lwm("needle", "--model", model.toString(), "--haystack", dir.resolve("none.txt").toString(),
                "--data", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("none.txt: not found"), run.err());
    }
}
