package lwm.engine.model;

import java.nio.file.Path;

/**
 * A model ready to run, with the tokenizer file found beside it.
 *
 * @param tokenizerFile {@code tokenizer.model} in the model directory, or null when there is none
 */
public record LoadedModel(LlamaModel model, Path tokenizerFile, ModelLoader.Format format) implements AutoCloseable {
    @Override
    public void close() {
        model.close();
    }
}
