package lwm.test.vision;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision fixtures made by test/scripts/make_vision_fixtures.py (layout in test/VISION_FIXTURES.md), found through
 * the system property {@code lwm.vision.fixtures}; tests skip when it is unset or the fixtures are missing.
 */
final class VisionFixtures {
    private VisionFixtures() {}

    static Path root() {
        String dir = System.getProperty("lwm.vision.fixtures");
        assumeTrue(dir != null, "system property lwm.vision.fixtures not set (run through Maven: mvn verify)");
        assumeTrue(Files.isRegularFile(Path.of(dir, "golden.json")), "vision fixtures not generated in " + dir);
        return Path.of(dir);
    }

    static JsonNode golden() {
        try {
            return new ObjectMapper().readTree(root().resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model directory by its golden.json "models" name (jax, safetensors, text-only, ...). */
    static Path model(String name) {
        return root().resolve(golden().get("models").get(name).asText());
    }

    static Path tokenizer() {
        return root().resolve("tokenizer").resolve("tokenizer.model");
    }

    static List<Sequence> sequences() {
        List<Sequence> out = new ArrayList<>();
        for (JsonNode s : golden().get("sequences")) {
            out.add(new Sequence(s));
        }
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** One vision-chat prompt with the reference's logits of both heads at every position and its greedy answer. */
    record Sequence(JsonNode json) {
        String name() {
            return json.get("name").asText();
        }

        String question() {
            return json.get("question").asText();
        }

        /** Per attachment its frames of 256 codes. */
        List<List<int[]>> attachments() {
            List<List<int[]>> out = new ArrayList<>();
            for (JsonNode attachment : json.get("attachments")) {
                List<int[]> frames = new ArrayList<>();
                attachment.forEach(frame -> frames.add(ints(frame)));
                out.add(frames);
            }
            return out;
        }

        int[] ids() {
            return ints(json.get("ids"));
        }

        boolean[] visionMask() {
            JsonNode mask = json.get("vision_mask");
            boolean[] out = new boolean[mask.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = mask.get(i).asBoolean();
            }
            return out;
        }

        int[] attachmentStarts() {
            return ints(json.get("attachment_starts"));
        }

        int[] answer() {
            return ints(json.get("answer").get("generated_ids"));
        }

        /** Rows of logits, one per position; {@code head} is "text" or "vision". */
        float[][] logits(String head) {
            JsonNode shape = json.get("logits_shape").get(head);
            return rows(json.get(head + "_logits").asText(), shape.get(0).asInt(), shape.get(1).asInt());
        }
    }

    /** A fixture file of float32 little-endian rows. */
    static float[][] rows(String file, int rows, int columns) {
        try {
            byte[] bytes = Files.readAllBytes(root().resolve(file));
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            float[][] out = new float[rows][columns];
            for (float[] row : out) {
                buffer.asFloatBuffer().get(row);
                buffer.position(buffer.position() + row.length * Float.BYTES);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
