package lwm.engine.model;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import lwm.engine.weights.ArrayStream;
import lwm.engine.weights.CheckpointException;
import lwm.engine.weights.DType;
import lwm.engine.weights.RawTensor;
import lwm.engine.weights.TensorConversions;

/**
 * A random-access tensor read as an {@link ArrayStream}, so that {@link JaxTreeMapper} consumes safetensors and the
 * streaming params file through one interface (and reads a stacked tensor one layer slice at a time from either).
 */
final class RawTensorStream implements ArrayStream {
    private static final int BLOCK = 8192;

    private final Path file;
    private final RawTensor tensor;
    private final ByteBuffer bytes;
    private long position;

    RawTensorStream(Path file, RawTensor tensor) {
        this.file = file;
        this.tensor = tensor;
        this.bytes = tensor.data();
    }

    long[] shape() {
        return tensor.shape();
    }

    @Override
    public long elementCount() {
        return tensor.elementCount();
    }

    @Override
    public long remaining() {
        return elementCount() - position;
    }

    @Override
    public void readFloats(FloatBuffer dst, int count) throws CheckpointException {
        DType dtype = tensor.dtype();
        if (!dtype.isConvertibleToFloat()) {
            throw CheckpointException.inTensor(file, tensor.name(), "dtype " + dtype + " is not a floating-point weight");
        }
        if (count < 0 || count > remaining() || count > dst.remaining()) {
            throw new IllegalArgumentException("cannot read " + count + " elements: " + remaining() + " left in "
                    + tensor.name() + ", room for " + dst.remaining());
        }
        // RawTensor's buffers are little-endian; positions stay below 2 GiB because the tensor is one ByteBuffer.
        ByteBuffer from = bytes.duplicate().order(bytes.order()).position((int) (position * dtype.byteSize()));
        if (dtype == DType.F32) {
            dst.put(from.asFloatBuffer().limit(count));
        } else {
            decodeHalves(from.asShortBuffer(), count, dtype == DType.BF16, dst);
        }
        position += count;
    }

    @Override
    public void skip(long elements) {
        if (elements < 0 || elements > remaining()) {
            throw new IllegalArgumentException("cannot skip " + elements + " elements: " + remaining() + " left in "
                    + tensor.name());
        }
        position += elements;
    }

    private static void decodeHalves(ShortBuffer src, int count, boolean bf16, FloatBuffer dst) {
        short[] halves = new short[Math.min(BLOCK, count)];
        float[] floats = new float[halves.length];
        for (int done = 0; done < count; done += halves.length) {
            int n = Math.min(halves.length, count - done);
            src.get(halves, 0, n);
            for (int i = 0; i < n; i++) {
                floats[i] = bf16 ? TensorConversions.bf16ToFloat(halves[i]) : TensorConversions.halfToFloat(halves[i]);
            }
            dst.put(floats, 0, n);
        }
    }
}
