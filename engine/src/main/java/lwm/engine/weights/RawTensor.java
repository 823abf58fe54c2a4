package lwm.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One tensor as stored: little-endian bytes in C order. {@link #data()} is often a read-only slice of a memory-mapped
 * file, so it stays valid after its checkpoint is closed but must never be written to.
 *
 * @param name  the tensor's name in its checkpoint
 * @param dtype element type
 * @param shape dimensions, outermost first
 * @param data  exactly {@code dtype.byteSize() * product(shape)} bytes
 */
public record RawTensor(String name, DType dtype, long[] shape, ByteBuffer data) {

    public RawTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long bytes = Shapes.byteSize(dtype, Shapes.elementCount(shape));
        if (bytes != data.remaining()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.remaining() + " bytes for "
                    + dtype + " " + Shapes.format(shape));
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy: the shape array must not be shared with callers. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** An independent view (own position), little-endian, position 0, remaining = byte size. */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    @Override
    public String toString() {
        return "RawTensor[" + name + ", " + dtype + ", " + Shapes.format(shape) + "]";
    }
}
