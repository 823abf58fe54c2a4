package lwm.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import lwm.engine.weights.StreamingParamsReader;

/**
 * Loads LWM's Jax streaming {@code params} (reference/lwm.md §7.1-7.2). The file is read once, as a stream, one layer
 * slice at a time; {@link JaxTreeMapper} turns each record into internal weights.
 */
final class JaxParamsLoader {
    static final String FILE = "params";

    private JaxParamsLoader() {}

    static LlamaConfig load(Path modelDir, WeightsBuilder builder) throws IOException {
        Path file = modelDir.resolve(FILE);
        builder.readingFrom(file);
        JaxTreeMapper mapper = new JaxTreeMapper(file, JaxSettings.resolve(modelDir, file), builder);
        StreamingParamsReader.read(file, (keyPath, dtype, shape, data) ->
                mapper.accept(String.join("/", keyPath), shape, data));
        return mapper.config();
    }
}
