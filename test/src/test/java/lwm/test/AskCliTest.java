package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lwm ask} end to end: a real video and image, sampled, preprocessed, encoded by a real (reduced-width) VQGAN,
 * cached, and answered by the tiny vision LWM in LWM's vision chat layout.
 */
@Timeout(300)
class AskCliTest {
    @TempDir
    static Path dir;

    static Path model;
    static Path video;

    @BeforeAll
    static void assembleVisionModel() throws IOException {
        model = VisionModel.assemble(dir.resolve("LWM-Chat-tiny"));
        video = TestVideos.write(dir.resolve("clip.mp4"), 30, 320, 240, 10);
    }

    @Test
    void answersAboutAVideoAndAnImageAndReusesCachedCodes() throws Exception {
        Path frames = dir.resolve("frames-out");
        assertEquals(0, CliTest.lwm("frames", "--video", video.toString(), "--frames", "1", "--out", frames.toString())
                .exit());
        Path image = frames.resolve("frame-00000.png");
        String[] args = {"ask", "--model", model.toString(), "--video", video.toString(), "--image", image.toString(),
            "--question", "What happens?", "--frames", "3", "--max-new-tokens", "4", "--greedy", "--json",
            "--cache", dir.resolve("cache").toString()};

        CliTest.Run first = CliTest.lwm(args);
        assertEquals(0, first.exit(), first.err());
        JsonNode json = new ObjectMapper().readTree(first.out());
        assertEquals(2, json.get("attachments").size());
        assertEquals(3, json.get("attachments").get(0).get("frames").size());
        assertEquals(3 * 257, json.get("attachments").get(0).get("tokens").asInt());
        assertEquals(257, json.get("attachments").get(1).get("tokens").asInt());
        assertTrue(json.get("prompt_tokens").asInt() > 4 * 257);
        assertEquals(4, json.get("generated_ids").size());
        assertTrue(first.err().contains("3 frames → 771 vision tokens"), first.err());

        CliTest.Run second = CliTest.lwm(args);
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains("cached codes"), second.err());
        assertEquals(json.get("generated_ids"), new ObjectMapper().readTree(second.out()).get("generated_ids"),
                "cached codes give the same prompt, so greedy decoding gives the same answer");
    }

    @Test
    void framesWithAModelListTheirCodes() throws Exception {
        Path out = dir.resolve("coded");
        CliTest.Run run = CliTest.lwm("frames", "--video", video.toString(), "--frames", "2", "--out", out.toString(),
                "--model", model.toString());
        assertEquals(0, run.exit(), run.err());
        JsonNode frames = new ObjectMapper().readTree(out.resolve("frames.json").toFile()).get("frames");
        assertEquals(2, frames.size());
        assertEquals(256, frames.get(0).get("codes").size());
    }

    @Test
    void aTextModelRefusesImagesClearly() {
        CliTest.Run run = CliTest.lwm("ask", "--model", Fixtures.model("s2x64", "hf-f32").toString(), "--video",
                video.toString(), "--question", "?");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("text-only"), run.err());
    }

    @Test
    void aVqganWithMoreCodesThanTheVisionVocabularyIsRefusedNamingIt() throws Exception {
        Path oversized = VisionModel.assemble(dir.resolve("LWM-Chat-oversized"));
        VisionModel.withCodebookRows(oversized, 9000);
        Path image = dir.resolve("red.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(64, 48, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", image.toFile());
        CliTest.Run run = CliTest.lwm("ask", "--model", oversized.toString(), "--image", image.toString(), "--question",
                "?", "--max-new-tokens", "1", "--cache", dir.resolve("cache-oversized").toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains(oversized.resolve("vqgan.safetensors") + ": the VQGAN's codebook has 9000 rows")
                && run.err().contains("8192"), run.err());
    }
}
