package lwm.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
