package lwm.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import lwm.engine.weights.SafetensorsFile;

/**
 * Loads {@code params.safetensors}: LWM's Jax parameter tree in a safetensors file, each tensor named by its
 * '/'-joined Jax path ({@code transformer/h/scan_decoder/attention/wq/kernel}, ...) and kept in Jax's conventions
 * ((in, out) kernels, layers stacked on axis 0 or unstacked as {@code transformer/h/<i>/...}, interleaved q/k).
 * Random access and memory mapping instead of a stream; the tree maps to weights exactly as the streaming
 * {@code params} does ({@link JaxTreeMapper}), so both give bit-identical models.
 */
final class JaxSafetensorsLoader {
    static final String FILE = "params.safetensors";

    private JaxSafetensorsLoader() {}

    static LlamaConfig load(Path modelDir, WeightsBuilder builder) throws IOException {
        Path file = modelDir.resolve(FILE);
        builder.readingFrom(file);
        JaxTreeMapper mapper = new JaxTreeMapper(file, JaxSettings.resolve(modelDir, file), builder);
        try (SafetensorsFile checkpoint = SafetensorsFile.open(file)) {
            for (String name : checkpoint.names()) {
                RawTensorStream data = new RawTensorStream(file, checkpoint.tensor(name));
                mapper.accept(name, data.shape(), data);
            }
        }
        return mapper.config();
    }

    /** Elements in the file, for choosing a precision before loading. */
    static long parameterCount(Path modelDir) throws IOException {
        long count = 0;
        try (SafetensorsFile checkpoint = SafetensorsFile.open(modelDir.resolve(FILE))) {
            for (String name : checkpoint.names()) {
                count += checkpoint.tensor(name).elementCount();
            }
        }
        return count;
    }
}
