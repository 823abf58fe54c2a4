package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private HfCheckpointLoader() {}

    static LlamaConfig load(Path modelDir, LlamaConfig config, WeightsBuilder builder) throws IOException {
        try (Checkpoint checkpoint = ShardedCheckpoint.open(modelDir)) {
            for (String name : checkpoint.names()) {
                if (name.endsWith("rotary_emb.inv_freq")) {
                    continue; // buffers older HF exports saved; RoPE is recomputed from rope_theta
                }
                put(builder, checkpoint, name);
            }
        }
        return config;
    }

    private static void put(WeightsBuilder builder, Checkpoint checkpoint, String name) throws IOException {
        String where = checkpoint.file(name) + ": " + name;
        Matcher layer = LAYER.matcher(name);
        TensorRole role;
        int index = -1;
        if (layer.matches()) {
            index = Integer.parseInt(layer.group(1));
            role = layerRole(layer.group(2), where);
        } else {
            role = globalRole(name, where);
        }
        builder.put(role, index, where, toArray(builder, checkpoint.tensor(name), builder.storageType(role), where));
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
