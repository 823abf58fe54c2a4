package lwm.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny LWM vision model directory as a user would have it: the vision fixture's Jax params and tokenizer + a VQGAN. */
final class VisionModel {
    private VisionModel() {}

    /** Copies the fixtures into {@code dir} (named like a released model) and returns it. */
    static Path assemble(Path dir) throws IOException {
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
}
