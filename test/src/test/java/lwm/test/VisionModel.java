package lwm.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.engine.weights.RawTensor;
import lwm.engine.weights.SafetensorsFile;

/** A tiny LWM vision model directory as a user would have it: the vision fixture's Jax params and tokenizer + a VQGAN. */
public final class VisionModel {
    private VisionModel() {}

    /** Copies the fixtures into {@code dir} (named like a released model) and returns it. */
    public static Path assemble(Path dir) throws IOException {
        String vision = System.getProperty("lwm.vision.fixtures");
        String vqgan = System.getProperty("lwm.vqgan.fixtures");
        assumeTrue(vision != null && vqgan != null && Files.isDirectory(Path.of(vqgan, "small")),
                "vision and VQGAN fixtures not generated (run through Maven)");
        Path model = Files.createDirectories(dir);
        try (var files = Files.list(Path.of(vision, "jax"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        Files.copy(Path.of(vqgan, "small", "vqgan"), model.resolve("vqgan"));
        return model;
    }

    /**
     * The same language model with the demo model's VQGAN, whose codebook has LWM's 8192 rows (the fixture's small
     * VQGAN has 512), so that every code the model samples can be drawn.
     */
    public static Path assembleForGeneration(Path dir) throws IOException {
        Path model = assemble(dir);
        Files.copy(lwm.app.model.DemoModel.locate().resolve("vqgan"), model.resolve("vqgan"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return model;
    }

    /**
     * Replaces the model's VQGAN by the fixture's small one as {@code vqgan.safetensors} with its codebook tiled to
     * {@code rows} rows (a VQGAN LWM's vision vocabulary does not fit).
     */
    public static void withCodebookRows(Path model, int rows) throws IOException {
        Files.deleteIfExists(model.resolve("vqgan"));
        Path source = Path.of(System.getProperty("lwm.vqgan.fixtures"), "small", "vqgan.safetensors");
        ObjectNode header = new ObjectMapper().createObjectNode();
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        try (SafetensorsFile vqgan = SafetensorsFile.open(source)) {
            for (String name : vqgan.names()) {
                RawTensor tensor = vqgan.tensor(name);
                long[] shape = tensor.shape().clone();
                byte[] bytes = new byte[tensor.data().remaining()];
                tensor.data().duplicate().get(bytes);
                long start = data.size();
                if (name.equals("quantize/embeddings")) {
                    int rowBytes = (int) (bytes.length / shape[0]);
                    for (int r = 0; r < rows; r++) {
                        data.write(bytes, (int) (r % shape[0]) * rowBytes, rowBytes);
                    }
                    shape[0] = rows;
                } else {
                    data.write(bytes);
                }
                ObjectNode entry = header.putObject(name);
                entry.put("dtype", tensor.dtype().name()); // DType names are safetensors' names
                ArrayNode dims = entry.putArray("shape");
                for (long d : shape) {
                    dims.add(d);
                }
                entry.putArray("data_offsets").add(start).add(data.size());
            }
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        try (var out = Files.newOutputStream(model.resolve("vqgan.safetensors"))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            data.writeTo(out);
        }
    }
}
