package lwm.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import lwm.engine.weights.SafetensorsFile;
import lwm.engine.weights.StreamingParamsReader;

/** Sizes of a Jax tree from its array shapes alone: the streaming file's data is skipped by seeking, never read. */
final class JaxFootprint {
    private static final String SCAN_PREFIX = "transformer/h/scan_decoder/";

    private long parameters;
    private long hidden;
    private long layers;
    private long intermediate;
    private long vocab;
    private long visionVocab;

    private JaxFootprint() {}

    static ModelFootprint ofParams(Path modelDir) throws IOException {
        Path file = modelDir.resolve(JaxParamsLoader.FILE);
        JaxFootprint sizes = new JaxFootprint();
        StreamingParamsReader.read(file, (keyPath, dtype, shape, data) -> sizes.accept(String.join("/", keyPath), shape));
        return sizes.footprint(modelDir, file);
    }

    static ModelFootprint ofSafetensors(Path modelDir) throws IOException {
        Path file = modelDir.resolve(JaxSafetensorsLoader.FILE);
        JaxFootprint sizes = new JaxFootprint();
        try (SafetensorsFile checkpoint = SafetensorsFile.open(file)) {
            for (String name : checkpoint.names()) {
                sizes.accept(name, checkpoint.tensor(name).shape());
            }
        }
        return sizes.footprint(modelDir, file);
    }

    private void accept(String key, long[] shape) {
        long elements = 1;
        for (long dim : shape) {
            elements *= dim;
        }
        parameters += elements;
        if (key.equals(JaxTreeMapper.VISION_EMBEDDING) && shape.length == 2) {
            visionVocab = shape[0];
        } else if (key.equals("transformer/wte/embedding") && shape.length == 2) {
            vocab = shape[0];
            hidden = shape[1];
        } else if (key.startsWith(SCAN_PREFIX) && shape.length == 3) {
            layers = Math.max(layers, shape[0]);
            noteIntermediate(key.substring(SCAN_PREFIX.length()), shape[2]);
        } else if (key.startsWith("transformer/h/")) {
            String[] parts = key.split("/", 4);
            if (parts.length == 4 && parts[2].matches("\\d{1,6}")) {
                layers = Math.max(layers, Integer.parseInt(parts[2]) + 1);
                if (shape.length == 2) {
                    noteIntermediate(parts[3], shape[1]);
                }
            }
        }
    }

    private void noteIntermediate(String role, long outDim) {
        if (role.equals("feed_forward/w1/kernel")) {
            intermediate = outDim; // (in, out) kernel: out is the MLP width
        }
    }

    private ModelFootprint footprint(Path modelDir, Path file) throws IOException {
        if (hidden == 0 || layers == 0) {
            throw new InvalidModelException(file + ": no transformer/wte/embedding or no decoder layers found");
        }
        JaxSettings settings = JaxSettings.resolve(modelDir, file);
        LlamaConfig config = settings.config(file, clamp(hidden), clamp(intermediate), clamp(layers), clamp(vocab),
                clamp(visionVocab));
        return ModelFootprint.of(config, parameters);
    }

    /** Array sizes beyond int range become the largest int, which the configuration's bounds then refuse. */
    private static int clamp(long size) {
        return (int) Math.min(size, Integer.MAX_VALUE);
    }
}
