package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.app.store.ConversationStore;
import lwm.app.store.GalleryItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code lwm imagine} on a tiny LWM vision model: the file, the JSON, the gallery record, and refusals. */
@Timeout(180)
class ImagineCliTest {
    @TempDir
    Path dir;

    @Test
    void writesTheImageRecordsItInTheGalleryAndPrintsJson() throws Exception {
        Path model = VisionModel.assembleForGeneration(dir.resolve("model"));
        Path out = dir.resolve("boat.png");
        CliTest.Run run = CliTest.lwm("imagine", "--model", model.toString(), "--prompt", "a wooden boat", "--seed", "9",
                "--cfg", "3", "--out", out.toString(), "--data", dir.resolve("data").toString(), "--json");
        assertEquals(0, run.exit(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals("done", json.get("status").asText());
        assertEquals(3.0, json.get("record").get("cfg_scale_image").asDouble());
        assertEquals(9, json.get("record").get("seed").asLong());
        assertTrue(Files.size(out) > 0);
        assertTrue(run.err().contains("100%"), run.err());
        try (ConversationStore store = ConversationStore.open(dir.resolve("data").resolve("conversations.db"))) {
            GalleryItem item = store.gallery().items().get(0);
            assertEquals("a wooden boat", item.request().prompt());
            assertEquals(Files.size(out), Files.size(item.file()));
        }
    }

    @Test
    void aVideoMustBeNamedMp4AndAnImagePng() throws Exception {
        Path model = VisionModel.assembleForGeneration(dir.resolve("model"));
        CliTest.Run run = CliTest.lwm("imagine", "--model", model.toString(), "--prompt", "a boat", "--frames", "3",
                "--out", dir.resolve("boat.png").toString(), "--data", dir.resolve("data").toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("boat.png") && run.err().contains("*.mp4"), run.err());
        run = CliTest.lwm("imagine", "--model", model.toString(), "--prompt", "a boat", "--out",
                dir.resolve("missing").resolve("boat.png").toString(), "--data", dir.resolve("data").toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("does not exist"), run.err());
        run = CliTest.lwm("imagine", "--model", model.toString(), "--prompt", " ", "--out",
                dir.resolve("boat.png").toString(), "--data", dir.resolve("data").toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("the prompt is empty"), run.err());
        assertFalse(Files.exists(dir.resolve("boat.png")));
    }
}
