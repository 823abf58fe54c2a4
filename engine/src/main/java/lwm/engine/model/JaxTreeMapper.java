package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import lwm.engine.weights.ArrayStream;

/**
 * Maps LWM's flattened Jax parameter tree (reference/lwm.md §7.2), whichever file holds it, onto {@link WeightsBuilder}
 * roles: (in, out) kernels are transposed to the internal (out, in) layout, stacked layers are split on axis 0, and
 * the interleaved RoPE rows of wq/wk are permuted to the internal rotate-half order (new row h·hd + p·hd/2 + j = old
 * h·hd + 2j + p, §7.5). A source calls {@link #accept} once per array, in any order, then {@link #config}.
 */
final class JaxTreeMapper {
    static final String VISION_EMBEDDING = "transformer/vte/embedding";
    static final String VISION_HEAD = "vision_head/kernel";
    private static final String SCAN_PREFIX = "transformer/h/scan_decoder/";

    private final Path file;
    private final JaxSettings settings;
    private final WeightsBuilder builder;
    private int hiddenSize;
    private int intermediateSize;
    private int vocabSize;
    private int visionVocabSize;
    private boolean hasVisionHead;
    private int numLayers;

    /** @param file the checkpoint, named in every error */
    JaxTreeMapper(Path file, JaxSettings settings, WeightsBuilder builder) {
        this.file = file;
        this.settings = settings;
        this.builder = builder;
    }

    /** Takes one array of the tree; {@code key} is its '/'-joined path, e.g. {@code lm_head/kernel}. */
    void accept(String key, long[] shape, ArrayStream data) throws IOException {
        String where = file + ": " + key;
        switch (key) {
            case "transformer/wte/embedding":
                requireRank(where, shape, 2);
                vocabSize = (int) shape[0];
                hiddenSize = (int) shape[1];
                builder.put(TensorRole.TOKEN_EMBEDDING, -1, where, read(data, shape, TensorRole.TOKEN_EMBEDDING));
                return;
            case VISION_EMBEDDING:
                requireRank(where, shape, 2);
                visionVocabSize = (int) shape[0];
                builder.put(TensorRole.VISION_EMBEDDING, -1, where, read(data, shape, TensorRole.VISION_EMBEDDING));
                return;
            case "transformer/ln_f/kernel":
                builder.put(TensorRole.FINAL_NORM, -1, where, read(data, shape, TensorRole.FINAL_NORM));
                return;
            case "lm_head/kernel":
                requireRank(where, shape, 2);
                builder.put(TensorRole.LM_HEAD, -1, where, transposeCopy(read(data, shape, TensorRole.LM_HEAD)));
                return;
            case VISION_HEAD:
                requireRank(where, shape, 2);
                hasVisionHead = true;
                builder.put(TensorRole.VISION_HEAD, -1, where, transposeCopy(read(data, shape, TensorRole.VISION_HEAD)));
                return;
            default:
                acceptLayerArray(key, where, shape, data);
        }
    }

    /** The configuration the tree implies, once every array has been accepted. */
    LlamaConfig config() throws InvalidModelException {
        if (hiddenSize == 0 || numLayers == 0) {
            throw new InvalidModelException(file + ": no transformer/wte/embedding or no decoder layers found");
        }
        boolean vision = visionVocabSize > 0;
        if (vision != hasVisionHead) {
            // LWM's vision model always has both (vision_llama.py); one without the other is a broken conversion.
            throw new InvalidModelException(file + ": " + (vision ? VISION_EMBEDDING : VISION_HEAD) + " is present but "
                    + (vision ? VISION_HEAD : VISION_EMBEDDING) + " is missing; a vision model needs both");
        }
        settings.checkFamily(vision, file);
        return settings.config(file, hiddenSize, intermediateSize, numLayers, vocabSize, visionVocabSize);
    }

    /** Stacked ({@code h/scan_decoder/...}, layer on axis 0) or unstacked ({@code h/<i>/...}) decoder tensors. */
    private void acceptLayerArray(String key, String where, long[] shape, ArrayStream data) throws IOException {
        if (key.startsWith(SCAN_PREFIX)) {
            TensorRole role = role(key.substring(SCAN_PREFIX.length()), where);
            if (shape.length < 2) {
                throw new InvalidModelException(where + ": stacked layer tensor has shape " + Arrays.toString(shape));
            }
            long[] layerShape = Arrays.copyOfRange(shape, 1, shape.length);
            noteLayers((int) shape[0], where);
            for (int layer = 0; layer < shape[0]; layer++) {
                putLayer(role, layer, where + "[" + layer + "]", layerShape, data);
            }
            return;
        }
        String[] parts = key.split("/", 4);
        if (parts.length == 4 && parts[0].equals("transformer") && parts[1].equals("h") && parts[2].matches("\\d{1,6}")) {
            int layer = Integer.parseInt(parts[2]);
            noteLayers(layer + 1, where);
            putLayer(role(parts[3], where), layer, where, shape, data);
            return;
        }
        throw new InvalidModelException(where + ": unexpected parameter in an LWM checkpoint");
    }

    private void noteLayers(int count, String where) throws InvalidModelException {
        if (count <= 0 || count > 4096) {
            throw new InvalidModelException(where + ": implausible layer count " + count);
        }
        numLayers = Math.max(numLayers, count);
    }

    private void putLayer(TensorRole role, int layer, String where, long[] shape, ArrayStream data) throws IOException {
        if (role.isNorm()) {
            requireRank(where, shape, 1);
            builder.put(role, layer, where, read(data, shape, role));
            return;
        }
        requireRank(where, shape, 2);
        if (role == TensorRole.W1) {
            intermediateSize = (int) shape[1];
        }
        NDArray kernel = read(data, shape, role); // (in, out)
        NDArray weight = role == TensorRole.WQ || role == TensorRole.WK ? interleavedToRotateHalf(kernel, where)
                : transposeCopy(kernel);
        builder.put(role, layer, where, weight);
    }

    /** (in, out) kernel with interleaved RoPE columns → contiguous (out, in) matrix with rotate-half rows. */
    private NDArray interleavedToRotateHalf(NDArray kernel, String where) throws InvalidModelException {
        long in = kernel.getShape().get(0);
        long out = kernel.getShape().get(1);
        int heads = settings.headsFor((int) out, file);
        long half = out / heads / 2;
        NDArray permuted = kernel.reshape(in, heads, half, 2).transpose(1, 3, 2, 0).reshape(out, in);
        kernel.close();
        return permuted;
    }

    /**
     * (in, out) → contiguous (out, in). A copy rather than a transposed view, so every format runs the same
     * matmul kernels on the same memory layout and gives bit-identical logits.
     */
    private static NDArray transposeCopy(NDArray kernel) {
        long in = kernel.getShape().get(0);
        long out = kernel.getShape().get(1);
        NDArray copy = kernel.transpose().flatten().reshape(out, in);
        kernel.close();
        return copy;
    }

    private static TensorRole role(String suffix, String where) throws InvalidModelException {
        switch (suffix) {
            case "attention/wq/kernel": return TensorRole.WQ;
            case "attention/wk/kernel": return TensorRole.WK;
            case "attention/wv/kernel": return TensorRole.WV;
            case "attention/wo/kernel": return TensorRole.WO;
            case "feed_forward/w1/kernel": return TensorRole.W1;
            case "feed_forward/w2/kernel": return TensorRole.W2;
            case "feed_forward/w3/kernel": return TensorRole.W3;
            case "attention_norm/kernel": return TensorRole.ATTENTION_NORM;
            case "ffn_norm/kernel": return TensorRole.FFN_NORM;
            default: throw new InvalidModelException(where + ": unexpected parameter in an LWM decoder layer");
        }
    }

    private static void requireRank(String where, long[] shape, int rank) throws InvalidModelException {
        if (shape.length != rank) {
            throw new InvalidModelException(where + ": expected a rank-" + rank + " array, got shape "
                    + Arrays.toString(shape));
        }
    }

    /** Reads the next product(shape) elements as F32 into native memory, then stores them as the role requires. */
    private NDArray read(ArrayStream data, long[] shape, TensorRole role) throws IOException {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        if (count * Float.BYTES > Integer.MAX_VALUE) {
            throw new InvalidModelException(file + ": one layer slice of " + count + " elements exceeds 2 GiB");
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) count * Float.BYTES).order(ByteOrder.nativeOrder());
        data.readFloats(buffer.asFloatBuffer(), (int) count);
        NDArray f32 = builder.manager().create(buffer, new Shape(shape), DataType.FLOAT32);
        DataType target = builder.storageType(role);
        if (target == DataType.FLOAT32) {
            return f32;
        }
        NDArray converted = f32.toType(target, false);
        f32.close();
        return converted;
    }
}
