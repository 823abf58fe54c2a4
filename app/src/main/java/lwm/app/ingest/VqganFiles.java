package lwm.app.ingest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where a vision model keeps its VQGAN: LWM's {@code vqgan} pickle, or the same tree as safetensors. */
public final class VqganFiles {
    private VqganFiles() {}

    public static Path find(Path modelDir) {
        for (String name : new String[] {"vqgan", "vqgan.safetensors"}) {
            Path file = modelDir.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new IllegalArgumentException(modelDir.resolve("vqgan")
                + ": not found; images and videos need LWM's VQGAN beside the model (vqgan or vqgan.safetensors)");
    }
}
