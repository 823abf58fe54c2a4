package lwm.test.vqgan;

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
import java.util.Arrays;
import java.util.List;

/**
 * The fixtures of test/scripts/make_vqgan_fixtures.py (layout in test/VQGAN_FIXTURES.md), found through the system
 * property {@code lwm.vqgan.fixtures}; tests skip when it is unset.
 */
final class VqganFixtures {
    static final String PROPERTY = "lwm.vqgan.fixtures";
    static final List<String> CONFIGS = List.of("small", "full");

    private VqganFixtures() {
    }

    static Path root() {
        String dir = System.getProperty(PROPERTY);
        assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "small")),
                "VQGAN fixtures not generated (set -D" + PROPERTY + "=DIR after make_vqgan_fixtures.py --out DIR)");
        return Path.of(dir);
    }

    static Config config(String name) {
        Path dir = root().resolve(name);
        try {
            return new Config(name, dir, new ObjectMapper().readTree(dir.resolve("golden.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One configuration's directory: weights in several formats and the reference's golden values. */
    record Config(String name, Path dir, JsonNode golden) {
        int frames() {
            return golden.get("frames").asInt();
        }

        int grid() {
            return golden.get("config").get("grid").asInt();
        }

        int codesPerFrame() {
            return grid() * grid();
        }

        int embedDim() {
            return golden.get("config").get("quantized_embed_dim").asInt();
        }

        /** Every weights file: {@code vqgan} (pickle.dump default protocol), other protocols, safetensors. */
        List<String> weightFiles() {
            List<String> files = new ArrayList<>();
            golden.get("weights").forEach(n -> files.add(n.asText()));
            return files;
        }

        Path weights(String file) {
            return dir.resolve(file);
        }

        float[] frameValues() {
            return floats("frames.f32");
        }

        int[][] codes() {
            return perFrame(ints("codes.i32"));
        }

        int[][] secondCodes() {
            return perFrame(ints("second.i32"));
        }

        float[] gaps() {
            return floats("gap.f32");
        }

        /** quant_conv output, (frames, grid, grid, embedDim). */
        float[] latents() {
            return floats("latents.f32");
        }

        float[] decoded() {
            return floats("decoded.f32");
        }

        byte[] decodedUint8() {
            return bytes("decoded.u8");
        }

        private int[][] perFrame(int[] flat) {
            int[][] out = new int[frames()][];
            for (int f = 0; f < out.length; f++) {
                out[f] = Arrays.copyOfRange(flat, f * codesPerFrame(), (f + 1) * codesPerFrame());
            }
            return out;
        }

        private byte[] bytes(String file) {
            try {
                return Files.readAllBytes(dir.resolve(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private float[] floats(String file) {
            ByteBuffer b = ByteBuffer.wrap(bytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / Float.BYTES];
            b.asFloatBuffer().get(out);
            return out;
        }

        private int[] ints(String file) {
            ByteBuffer b = ByteBuffer.wrap(bytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            int[] out = new int[b.remaining() / Integer.BYTES];
            b.asIntBuffer().get(out);
            return out;
        }
    }
}
