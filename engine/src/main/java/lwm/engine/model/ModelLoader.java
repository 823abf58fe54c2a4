package lwm.engine.model;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model directory in any supported layout (HF safetensors, HF torch .bin, LWM's Jax streaming params, the Jax
 * tree in {@code params.safetensors}) and returns the same {@link LlamaModel} for all of them.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** The files a directory is recognised by, in the order they are tried. */
    public enum Format {
        JAX_PARAMS,
        JAX_SAFETENSORS,
        HF
    }

    /**
     * @param precision null picks F32 when the weights take at most half of physical memory in F32, F16 otherwise
     */
    public static LoadedModel load(Path modelDir, Precision precision) throws IOException {
        Format format = detect(modelDir);
        LlamaConfig hfConfig = format == Format.HF ? HfConfigReader.read(modelDir.resolve(HfCheckpointLoader.CONFIG_FILE)) : null;
        long parameters = switch (format) {
            case JAX_PARAMS -> Files.size(modelDir.resolve(JaxParamsLoader.FILE)) / 2; // stored in bf16
            case JAX_SAFETENSORS -> JaxSafetensorsLoader.parameterCount(modelDir);
            case HF -> hfConfig.parameterCount();
        };
        Precision chosen = precision != null ? precision : Precision.automatic(parameters, physicalMemory());
        NDManager manager = NDManager.newBaseManager();
        try (WeightsBuilder builder = new WeightsBuilder(manager, chosen)) {
            LlamaConfig config = switch (format) {
                case JAX_PARAMS -> JaxParamsLoader.load(modelDir, builder);
                case JAX_SAFETENSORS -> JaxSafetensorsLoader.load(modelDir, builder);
                case HF -> HfCheckpointLoader.load(modelDir, hfConfig, builder);
            };
            LlamaWeights weights = builder.build(config);
            Path tokenizer = modelDir.resolve("tokenizer.model");
            return new LoadedModel(new LlamaModel(config, weights, chosen), Files.exists(tokenizer) ? tokenizer : null,
                    format);
        }
    }

    /** The model's memory footprint from its configuration and tensor shapes, without loading weights. */
    public static ModelFootprint footprint(Path modelDir) throws IOException {
        return switch (detect(modelDir)) {
            case JAX_PARAMS -> JaxFootprint.ofParams(modelDir);
            case JAX_SAFETENSORS -> JaxFootprint.ofSafetensors(modelDir);
            case HF -> {
                LlamaConfig c = HfConfigReader.read(modelDir.resolve(HfCheckpointLoader.CONFIG_FILE));
                HfCheckpointLoader.checkAgainst(modelDir, c);
                yield ModelFootprint.of(c, c.parameterCount());
            }
        };
    }

    /** Which of the formats {@code modelDir} holds; an exception naming the directory when none. */
    public static Format detect(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new InvalidModelException(modelDir + ": not a directory");
        }
        if (Files.isRegularFile(modelDir.resolve(JaxParamsLoader.FILE))) {
            return Format.JAX_PARAMS;
        }
        if (Files.isRegularFile(modelDir.resolve(JaxSafetensorsLoader.FILE))) {
            return Format.JAX_SAFETENSORS;
        }
        if (Files.isRegularFile(modelDir.resolve(HfCheckpointLoader.CONFIG_FILE))) {
            return Format.HF;
        }
        throw new InvalidModelException(modelDir + ": no model found (expected config.json with model*.safetensors or "
                + "pytorch_model*.bin, LWM's Jax params file, or " + JaxSafetensorsLoader.FILE + ")");
    }

    /** Physical memory of this machine (the JVM's max heap where the OS does not say). */
    public static long physicalMemory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
