package lwm.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.app.model.DemoModel;
import lwm.engine.tokenizer.LlamaTokenizer;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory: HF safetensors or pytorch_model*.bin with config.json, or LWM's Jax params "
                    + "(default: the bundled demo model, models/lwm-demo).")
    Path model;

    @Option(names = "--precision", paramLabel = "f32|f16",
            description = "Weight precision (default: f32 when the weights fit in half the memory, else f16).")
    String precision;

    /** The model directory: the one given, else the bundled demo model. */
    Path dir() {
        if (model == null) {
            model = DemoModel.locate();
        }
        return model;
    }

    /** The tokenizer in {@code modelDir}, or null when the directory has none. */
    static LlamaTokenizer tokenizer(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.model");
        return Files.exists(file) ? LlamaTokenizer.load(file) : null;
    }
}
