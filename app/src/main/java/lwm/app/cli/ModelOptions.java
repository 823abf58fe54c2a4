package lwm.app.cli;

import java.nio.file.Path;
import lwm.app.model.DemoModel;
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
}
