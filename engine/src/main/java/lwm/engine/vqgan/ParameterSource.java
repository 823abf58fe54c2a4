package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import lwm.engine.weights.Checkpoint;
import lwm.engine.weights.CheckpointException;
import lwm.engine.weights.RawTensor;
import lwm.engine.weights.TensorConversions;

/**
 * Hands out the VQGAN's parameters by their Flax names as DJL arrays: checks each one's shape against what the
 * topology needs, rearranges Flax's HWIO conv kernels into torch's (out, in, kh, kw) with channels-last strides, stores
 * conv parameters in the compute type and norms and the codebook in F32, and remembers which names were taken so that
 * leftovers (an attention block, a typo) are reported.
 */
final class ParameterSource {
    private final Checkpoint checkpoint;
    private final Path file;
    private final NDManager manager;
    private final DataType compute;
    private final Set<String> unused;

    ParameterSource(Checkpoint checkpoint, Path file, NDManager manager, DataType compute) {
        this.checkpoint = checkpoint;
        this.file = file;
        this.manager = manager;
        this.compute = compute;
        this.unused = new LinkedHashSet<>(checkpoint.names());
    }

    boolean has(String name) {
        return checkpoint.names().contains(name);
    }

    /** An error about parameter {@code name} of this file. */
    CheckpointException problem(String name, String problem) {
        return CheckpointException.inTensor(file, name, problem);
    }

    /** Dimension {@code axis} of a tensor of rank {@code rank}, which must be a positive int. */
    int dim(String name, int rank, int axis) throws CheckpointException {
        long[] shape = rawTensor(name).shape();
        if (shape.length != rank || shape[axis] < 1 || shape[axis] > Integer.MAX_VALUE) {
            throw problem(name, "shape " + Arrays.toString(shape) + " is not a rank-"
                    + rank + " shape with a positive dimension " + axis);
        }
        return (int) shape[axis];
    }

    /**
     * {@code path/kernel} (k, k, in, out) and {@code path/bias} (out). The weight is (out, in, k, k) with
     * channels-last strides, the layout of the activations, so that the conv needs no reordering of either.
     */
    Conv conv(String path, int kernel, int in, int out, int stride, int padding) throws CheckpointException {
        float[] hwio = floats(path + "/kernel", kernel, kernel, in, out);
        NDArray ohwi = inCompute(manager.create(toOhwi(hwio, kernel, in, out), new Shape(out, kernel, kernel, in)));
        NDArray weight = ohwi.transpose(0, 3, 1, 2);
        NDArray bias = inCompute(manager.create(floats(path + "/bias", out)));
        return new Conv(weight, bias, stride, padding);
    }

    /** A 3×3 conv with 'SAME' padding. */
    Conv conv3(String path, int in, int out) throws CheckpointException {
        return conv(path, 3, in, out, 1, Conv.samePadding(3));
    }

    /** A 1×1 conv. */
    Conv conv1(String path, int in, int out) throws CheckpointException {
        return conv(path, 1, in, out, 1, 0);
    }

    /** {@code path/scale} and {@code path/bias} (channels), F32. */
    GroupNormSilu norm(String path, int channels) throws CheckpointException {
        NDArray scale = manager.create(floats(path + "/scale", channels));
        NDArray bias = manager.create(floats(path + "/bias", channels));
        return new GroupNormSilu(scale, bias, compute);
    }

    /** {@code quantize/embeddings} (rows, dim), always F32: distances are compared in F32. */
    NDArray codebook(int rows, int dim) throws CheckpointException {
        return manager.create(floats("quantize/embeddings", rows, dim), new Shape(rows, dim));
    }

    /** Fails on the first parameter that no layer took. */
    void checkAllUsed(VqganConfig config) throws CheckpointException {
        if (!unused.isEmpty()) {
            String name = unused.iterator().next();
            throw problem(name, "unexpected parameter for " + config + " ("
                    + unused.size() + " unused in all; attention blocks are not supported)");
        }
    }

    /** In the compute type; an F32 original that had to be converted is released at once. */
    private NDArray inCompute(NDArray f32) {
        if (compute == DataType.FLOAT32) {
            return f32;
        }
        NDArray converted = f32.toType(compute, false);
        f32.close();
        return converted;
    }

    /** The tensor as floats, after checking that its shape is exactly {@code expected}. */
    private float[] floats(String name, long... expected) throws CheckpointException {
        RawTensor tensor = rawTensor(name);
        if (!Arrays.equals(tensor.shape(), expected)) {
            throw problem(name, "shape " + Arrays.toString(tensor.shape())
                    + " but the VQGAN needs " + Arrays.toString(expected));
        }
        if (!tensor.dtype().isConvertibleToFloat()) {
            throw problem(name, tensor.dtype() + " is not a float type");
        }
        FloatBuffer buffer = TensorConversions.toF32(tensor).asFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        unused.remove(name);
        return values;
    }

    private RawTensor rawTensor(String name) throws CheckpointException {
        if (!has(name)) {
            throw problem(name, "missing parameter");
        }
        return checkpoint.tensor(name);
    }

    /** Flax (kh, kw, in, out) to (out, kh, kw, in): moves the output axis first, the rest keep their order. */
    private static float[] toOhwi(float[] hwio, int k, int in, int out) {
        int taps = k * k * in;
        float[] ohwi = new float[hwio.length];
        for (int t = 0; t < taps; t++) {
            for (int o = 0; o < out; o++) {
                ohwi[o * taps + t] = hwio[t * out + o];
            }
        }
        return ohwi;
    }
}
