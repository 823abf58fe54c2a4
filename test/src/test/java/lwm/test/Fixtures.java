package lwm.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The reference fixtures made by test/scripts/make_fixtures.py (layout in test/FIXTURES.md). The Maven build
 * generates them before the tests; outside Maven the tests skip when they are absent.
 */
final class Fixtures {
    static final List<String> SHAPES = List.of("s2x64", "s4x256", "long");
    static final List<String> EXACT_FORMATS = List.of("hf-f32", "hf-bf16", "bin", "jax");

    private Fixtures() {}

    static Path root() {
        String dir = System.getProperty("lwm.fixtures");
        assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "models")),
                "reference fixtures not generated (run through Maven: mvn verify)");
        return Path.of(dir);
    }

    static Path model(String shape, String format) {
        return root().resolve("models").resolve(shape).resolve(format);
    }

    static Golden golden(String shape) {
        Path dir = root().resolve("models").resolve(shape);
        try {
            return new Golden(dir, new ObjectMapper().readTree(dir.resolve("golden.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** golden.json of one shape: prompts, sampled positions and transformers' logits there. */
    record Golden(Path dir, JsonNode json) {
        int vocab() {
            return json.get("config").get("vocab_size").asInt();
        }

        List<String> caseNames() {
            return json.get("cases").findValuesAsText("name");
        }

        JsonNode testCase(String name) {
            for (JsonNode c : json.get("cases")) {
                if (c.get("name").asText().equals(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("no case " + name + " in " + dir);
        }

        int[] promptIds(String name) {
            return ints(testCase(name).get("prompt_ids"));
        }

        int[] positions(String name) {
            return ints(testCase(name).get("positions"));
        }

        /** Rows of logits, one per sampled position. */
        float[][] logits(String name) {
            try {
                byte[] bytes = Files.readAllBytes(dir.resolve(testCase(name).get("logits").asText()));
                ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                int rows = positions(name).length;
                float[][] out = new float[rows][vocab()];
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
}
