package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lwm ask} on the real backend (tiny vision model, 4 simulated devices): frames are encoded wherever measures
 * faster (one trial batch here, one on the backend's VQGAN), and the answer equals the local engine's.
 */
@Timeout(600)
class RemoteAskTest {
    @TempDir
    static Path dir;

    @Test
    void askOnTheBackendEncodesWhereFasterAndAnswersAsTheLocalEngine() throws Exception {
        Path model = VisionModel.assemble(dir.resolve("LWM-Chat-tiny"));
        Path video = TestVideos.write(dir.resolve("clip.mp4"), 30, 320, 240, 10);
        String[] ask = {"ask", "--model", model.toString(), "--video", video.toString(), "--question", "What happens?",
            "--frames", "4", "--max-new-tokens", "6", "--greedy", "--json"};
        CliTest.Run local = CliTest.lwm(concat(ask, "--route", "local", "--backend", "", "--cache",
                dir.resolve("local-cache").toString()));
        assertEquals(0, local.exit(), local.err());

        try (BackendProcess backend = BackendProcess.start(model, 4, 0, "vision-token", dir)) {
            CliTest.Run remote = CliTest.lwm(concat(ask, "--route", "remote", "--backend", backend.url(),
                    "--backend-token-file", dir.resolve("backend-token").toString(), "--cache",
                    dir.resolve("remote-cache").toString()));
            assertEquals(0, remote.exit(), remote.err() + "\n" + backend.log());
            assertTrue(remote.err().contains("route: remote"), remote.err());
            assertTrue(remote.err().contains("encoding on the"), "the encoder was chosen by measurement: " + remote.err());
            JsonNode localJson = new ObjectMapper().readTree(local.out());
            JsonNode remoteJson = new ObjectMapper().readTree(remote.out());
            assertEquals(localJson.get("prompt_ids"), remoteJson.get("prompt_ids"),
                    "backend-encoded codes equal local ones (same VQGAN weights)");
            assertEquals(localJson.get("generated_ids"), remoteJson.get("generated_ids"));
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
