package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import lwm.engine.weights.Checkpoint;
import lwm.engine.weights.DType;
import lwm.engine.weights.RawTensor;
import lwm.engine.weights.ShardedCheckpoint;
import lwm.engine.weights.TensorConversions;

/**
 * Loads HF {@code LlamaForCausalLM} tensors (safetensors or torch .bin). They are already (out, in) with q/k rows
 * in rotate-half order, the internal convention; F32 and F16 tensors that match the chosen precision are handed
 * to DJL without a copy, everything else is converted once.
 */
final class HfCheckpointLoader {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d{1,6})\\.(.+)\\.weight");

    static final String CONFIG_FILE = "config.json";

    private HfCheckpointLoader() {}

    /** A checkpoint tensor identified: its role, its layer (-1 for global ones) and its file and name for messages. */
    private record Identified(TensorRole role, int layer, String where) {}

    static LlamaConfig load(Path modelDir, LlamaConfig config, WeightsBuilder builder) throws IOException {
        try (Checkpoint checkpoint = ShardedCheckpoint.open(modelDir)) {
            builder.readingFrom(origin(checkpoint, modelDir));
            builder.sizedBy(modelDir.resolve(CONFIG_FILE));
            for (String name : weightNames(checkpoint)) {
                Identified tensor = identify(checkpoint, name);
                builder.put(tensor.role, tensor.layer, tensor.where,
                        toArray(builder, checkpoint.tensor(name), builder.storageType(tensor.role), tensor.where));
            }
        }
        return config;
    }

    /**
     * Checks the checkpoint's headers against {@code config} without reading weights, so that a config.json whose
     * sizes do not describe the checkpoint is refused before anything is planned from it.
     */
    static void checkAgainst(Path modelDir, LlamaConfig config) throws IOException {
        Path configFile = modelDir.resolve(CONFIG_FILE);
        try (Checkpoint checkpoint = ShardedCheckpoint.open(modelDir)) {
            int tensors = 0;
            for (String name : weightNames(checkpoint)) {
                Identified tensor = identify(checkpoint, name);
                if (tensor.layer >= config.numLayers()) {
                    throw new InvalidModelException(configFile + ": num_hidden_layers is " + config.numLayers()
                            + " but " + tensor.where + " is in layer " + tensor.layer);
                }
                tensor.role.checkShape(config, configFile.toString(), tensor.where, checkpoint.tensor(name).shape());
                tensors++;
            }
            int expected = 3 + 9 * config.numLayers();
            if (tensors != expected) {
                throw new InvalidModelException(origin(checkpoint, modelDir) + ": " + tensors + " tensors but "
                        + configFile.getFileName() + " (num_hidden_layers " + config.numLayers() + ") implies "
                        + expected);
            }
        }
    }

    private static List<String> weightNames(Checkpoint checkpoint) {
        // older HF exports saved the rotary_emb.inv_freq buffers; RoPE is recomputed from rope_theta
        return checkpoint.names().stream().filter(name -> !name.endsWith("rotary_emb.inv_freq")).toList();
    }

    /** The one shard file all tensors are in, else the directory of shards. */
    private static Path origin(Checkpoint checkpoint, Path modelDir) {
        Set<Path> files = checkpoint.names().stream().map(checkpoint::file).collect(Collectors.toSet());
        return files.size() == 1 ? files.iterator().next() : modelDir;
    }

    private static Identified identify(Checkpoint checkpoint, String name) throws InvalidModelException {
        String where = checkpoint.file(name) + ": " + name;
        Matcher layer = LAYER.matcher(name);
        if (layer.matches()) {
            return new Identified(layerRole(layer.group(2), where), Integer.parseInt(layer.group(1)), where);
        }
        return new Identified(globalRole(name, where), -1, where);
    }

    private static NDArray toArray(WeightsBuilder builder, RawTensor tensor, DataType target, String where)
            throws IOException {
        Shape shape = new Shape(tensor.shape());
        ByteBuffer data;
        if (tensor.dtype() == DType.F32 && target == DataType.FLOAT32
                || tensor.dtype() == DType.F16 && target == DataType.FLOAT16) {
            data = tensor.data();
        } else if (tensor.dtype() == DType.F32 || tensor.dtype() == DType.F16 || tensor.dtype() == DType.BF16) {
            data = target == DataType.FLOAT32 ? TensorConversions.toF32(tensor) : TensorConversions.toF16(tensor);
        } else {
            throw new InvalidModelException(where + ": dtype " + tensor.dtype() + " is not a floating-point weight");
        }
        return builder.manager().create(data, shape, target);
    }

    private static TensorRole globalRole(String name, String where) throws InvalidModelException {
        switch (name) {
            case "model.embed_tokens.weight": return TensorRole.TOKEN_EMBEDDING;
            case "model.norm.weight": return TensorRole.FINAL_NORM;
            case "lm_head.weight": return TensorRole.LM_HEAD;
            default: throw new InvalidModelException(where + ": unexpected tensor for a LLaMA model");
        }
    }

    private static TensorRole layerRole(String suffix, String where) throws InvalidModelException {
        switch (suffix) {
            case "self_attn.q_proj": return TensorRole.WQ;
            case "self_attn.k_proj": return TensorRole.WK;
            case "self_attn.v_proj": return TensorRole.WV;
            case "self_attn.o_proj": return TensorRole.WO;
            case "mlp.gate_proj": return TensorRole.W1;
            case "mlp.up_proj": return TensorRole.W3;
            case "mlp.down_proj": return TensorRole.W2;
            case "input_layernorm": return TensorRole.ATTENTION_NORM;
            case "post_attention_layernorm": return TensorRole.FFN_NORM;
            default: throw new InvalidModelException(where + ": unexpected tensor in a LLaMA decoder layer");
        }
    }
}
