package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code lwm frames} on a real H.264 file: the exact model frames, named in order, with indices and timestamps. */
@Timeout(120)
class FramesCliTest {
    @TempDir
    Path dir;

    @Test
    void writesLwmsEvenlySpacedFramesAsPngsWithTheirTimes() throws Exception {
        Path video = TestVideos.write(dir.resolve("clip.mp4"), 40, 320, 240, 10);
        Path out = dir.resolve("frames");
        CliTest.Run run = CliTest.lwm("frames", "--video", video.toString(), "--frames", "5", "--out", out.toString());
        assertEquals(0, run.exit(), run.err());

        JsonNode json = new ObjectMapper().readTree(out.resolve("frames.json").toFile());
        int[] expected = {0, 9, 19, 29, 39}; // np.linspace(0, 39, 5, dtype=int)
        assertEquals(expected.length, json.get("frames").size());
        for (int i = 0; i < expected.length; i++) {
            JsonNode frame = json.get("frames").get(i);
            assertEquals(String.format("frame-%05d.png", i), frame.get("file").asText());
            assertEquals(expected[i], frame.get("index").asInt());
            assertEquals(expected[i] / 10.0, frame.get("timestamp").asDouble(), 1e-3);
            BufferedImage png = ImageIO.read(out.resolve(frame.get("file").asText()).toFile());
            assertEquals(256, png.getWidth());
            assertEquals(256, png.getHeight());
        }
    }

    @Test
    void aFileThatIsNotAVideoIsOneLineNamingIt() throws Exception {
        Path bogus = Files.writeString(dir.resolve("notes.mp4"), "this is not a video");
        CliTest.Run run = CliTest.lwm("frames", "--video", bogus.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith("lwm: error: ") && run.err().contains("notes.mp4"), run.err());
    }
}
