package lwm.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.tokenizer.LlamaTokenizer;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model directory: HF safetensors or pytorch_model*.bin with config.json, or LWM's Jax params.")
    Path model;

    @Option(names = "--precision", paramLabel = "f32|f16",
            description = "Weight precision (default: f32 when the weights fit in half the memory, else f16).")
    String precision;

    LoadedModel load() throws IOException {
        return ModelLoader.load(model, precision == null ? null : Precision.parse(precision));
    }

    /** The tokenizer beside the model, or null when the directory has none. */
    static LlamaTokenizer tokenizer(LoadedModel loaded) throws IOException {
        return loaded.tokenizerFile() == null ? null : LlamaTokenizer.load(loaded.tokenizerFile());
    }
}
