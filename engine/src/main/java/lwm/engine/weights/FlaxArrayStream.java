package lwm.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * One array serialized by {@code flax.serialization.to_bytes}, read from the stream as the visitor asks for it. Either
 * a single ndarray (msgpack ext code 1 holding {@code [shape, dtype, data]}) or, for arrays over 2^30 bytes, the
 * map {@code {"__msgpack_chunked_array__": true, "shape": {"0": d0, ...}, "chunks": {"0": ext1, ...}}} whose chunks
 * are flat ndarrays to concatenate. Chunk headers are read and validated when the reading reaches them.
 */
final class FlaxArrayStream implements ArrayStream {
    private static final int NDARRAY_EXT = 1;
    private static final String CHUNKED_MARKER = "__msgpack_chunked_array__";
    private static final int MAX_NAME_BYTES = 64;

    /** The {@code [shape, dtype, data]} header of one ndarray; its {@code count} elements follow in the stream. */
    private record Ndarray(long[] shape, DType dtype, long count) {
    }

    private final MsgpackInput in;
    private final long[] shape;
    private final long total;
    private final long chunkCount;
    private DType dtype;
    private long chunksOpened;
    private long elementsInOpenedChunks;
    private long chunkElementsLeft;
    private long position;
    private boolean finished;

    private FlaxArrayStream(MsgpackInput in, long[] shape, long total, long chunkCount) {
        this.in = in;
        this.shape = shape;
        this.total = total;
        this.chunkCount = chunkCount;
    }

    /** Reads the value's header (up to the first data byte). */
    static FlaxArrayStream open(MsgpackInput in) throws IOException {
        if (in.nextIsExt()) {
            Ndarray array = readNdarray(in, "array");
            FlaxArrayStream stream = new FlaxArrayStream(in, array.shape(), array.count(), 1);
            stream.chunkOpened(array);
            return stream;
        }
        if (in.nextIsMap()) {
            return openChunked(in);
        }
        throw in.error("value holds " + MsgpackInput.formatName(in.peekFormat())
                + ", expected a flax ndarray (ext 1) or a chunked-array map");
    }

    private static FlaxArrayStream openChunked(MsgpackInput in) throws IOException {
        long entries = in.readMapHeader("chunked array");
        boolean marked = false;
        long[] shape = null;
        for (long i = 0; i < entries; i++) {
            String key = in.readString("chunked array key", MAX_NAME_BYTES);
            switch (key) {
                case CHUNKED_MARKER -> marked = in.readBool(CHUNKED_MARKER);
                case "shape" -> shape = readShapeMap(in);
                case "chunks" -> {
                    if (i != entries - 1 || !marked || shape == null) {
                        throw in.error("'chunks' must be the last entry, after a true '" + CHUNKED_MARKER
                                + "' and 'shape'");
                    }
                    long chunkCount = in.readMapHeader("chunks");
                    if (chunkCount == 0) {
                        throw in.error("chunked array without chunks");
                    }
                    long total = Shapes.elementCount(shape);
                    if (total < 0) {
                        throw in.error("shape " + Shapes.format(shape) + " is too large");
                    }
                    FlaxArrayStream stream = new FlaxArrayStream(in, shape, total, chunkCount);
                    stream.openNextChunk(); // its dtype is the array's
                    return stream;
                }
                default -> throw in.error("unexpected key '" + key + "' in a chunked array");
            }
        }
        throw in.error("chunked array without 'chunks'");
    }

    /** {"0": d0, "1": d1, ...} in order. */
    private static long[] readShapeMap(MsgpackInput in) throws IOException {
        long rank = in.readMapHeader("chunked array shape");
        if (rank > Shapes.MAX_RANK) {
            throw in.error("chunked array shape has " + rank + " dimensions");
        }
        long[] shape = new long[(int) rank];
        for (int i = 0; i < shape.length; i++) {
            String key = in.readString("shape key", MAX_NAME_BYTES);
            if (!key.equals(Integer.toString(i))) {
                throw in.error("shape key '" + key + "' where '" + i + "' was expected");
            }
            shape[i] = nonNegative(in, in.readInt("shape dimension"), "shape dimension");
        }
        return shape;
    }

    /** An ext-1 ndarray header, checking that its data length matches dtype × shape and fills the ext exactly. */
    private static Ndarray readNdarray(MsgpackInput in, String what) throws IOException {
        MsgpackInput.Ext ext = in.readExtHeader(what);
        if (ext.type() != NDARRAY_EXT) {
            throw in.error(what + " is ext type " + ext.type() + ", expected " + NDARRAY_EXT + " (flax ndarray)");
        }
        in.checkWithinLimit(ext.length(), what);
        long payloadEnd = in.position() + ext.length();
        long fields = in.readArrayHeader(what + " payload");
        if (fields != 3) {
            throw in.error(what + " payload has " + fields + " fields, expected [shape, dtype, data]");
        }
        long rank = in.readArrayHeader(what + " shape");
        if (rank > Shapes.MAX_RANK) {
            throw in.error(what + " has " + rank + " dimensions");
        }
        long[] shape = new long[(int) rank];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(in, in.readInt(what + " shape"), what + " dimension");
        }
        String dtypeName = in.readString(what + " dtype", MAX_NAME_BYTES);
        DType dtype;
        try {
            dtype = DType.fromNumpy(dtypeName);
        } catch (CheckpointException e) {
            throw in.error(what + ": " + e.getMessage());
        }
        long dataBytes = in.readBinHeader(what + " data");
        long count = Shapes.elementCount(shape);
        long expected = Shapes.byteSize(dtype, count);
        if (count < 0 || expected < 0) {
            throw in.error(what + " shape " + Shapes.format(shape) + " is too large");
        }
        if (dataBytes != expected) {
            throw in.error(what + " data holds " + dataBytes + " bytes but " + dtypeName + " "
                    + Shapes.format(shape) + " needs " + expected);
        }
        if (payloadEnd - in.position() != dataBytes) {
            throw in.error(what + " ext length " + ext.length() + " disagrees with its contents");
        }
        return new Ndarray(shape, dtype, count);
    }

    private static long nonNegative(MsgpackInput in, long value, String what) throws CheckpointException {
        if (value < 0) {
            throw in.error(what + " " + value + " is negative");
        }
        return value;
    }

    private void openNextChunk() throws IOException {
        String what = "chunk " + chunksOpened;
        String key = in.readString(what + " key", MAX_NAME_BYTES);
        if (!key.equals(Long.toString(chunksOpened))) {
            throw in.error(what + " has key '" + key + "'");
        }
        Ndarray chunk = readNdarray(in, what);
        if (chunk.shape().length != 1) {
            throw in.error(what + " has shape " + Shapes.format(chunk.shape()) + ", expected a flat array");
        }
        if (dtype != null && chunk.dtype() != dtype) {
            throw in.error(what + " is " + chunk.dtype() + " but earlier chunks are " + dtype);
        }
        if (chunk.count() > total - elementsInOpenedChunks) {
            throw in.error("chunks hold more than the " + total + " elements of shape " + Shapes.format(shape));
        }
        chunkOpened(chunk);
    }

    private void chunkOpened(Ndarray chunk) {
        dtype = chunk.dtype();
        chunksOpened++;
        elementsInOpenedChunks += chunk.count();
        chunkElementsLeft = chunk.count();
    }

    /** Moves to the next chunk with data; the caller has elements left to consume. */
    private void nextData() throws IOException {
        while (chunkElementsLeft == 0) {
            if (chunksOpened == chunkCount) {
                throw in.error(chunkCount + " chunks hold " + elementsInOpenedChunks + " elements but shape "
                        + Shapes.format(shape) + " needs " + total);
            }
            openNextChunk();
        }
    }

    DType dtype() {
        return dtype;
    }

    long[] shape() {
        return shape.clone();
    }

    @Override
    public long elementCount() {
        return total;
    }

    @Override
    public long remaining() {
        return total - position;
    }

    @Override
    public void readFloats(FloatBuffer dst, int count) throws IOException {
        checkCount(count);
        if (count > dst.remaining()) {
            throw new IllegalArgumentException(count + " floats requested, room for " + dst.remaining());
        }
        if (!dtype.isConvertibleToFloat()) {
            throw in.error("an array of " + dtype + " cannot be read as floats");
        }
        int elementBytes = dtype.byteSize();
        int left = count;
        while (left > 0) {
            nextData();
            int wanted = (int) Math.min(Math.min(left, chunkElementsLeft), MsgpackInput.BUFFER_BYTES / elementBytes);
            ByteBuffer bytes = in.peekBytes(elementBytes, wanted * elementBytes);
            int n = bytes.remaining() / elementBytes;
            TensorConversions.decodeFloats(dtype, bytes, n, dst);
            in.skip((long) n * elementBytes);
            consumed(n);
            left -= n;
        }
    }

    @Override
    public void skip(long elements) throws IOException {
        checkCount(elements);
        long left = elements;
        while (left > 0) {
            nextData();
            long n = Math.min(left, chunkElementsLeft);
            in.skip(n * dtype.byteSize());
            consumed(n);
            left -= n;
        }
    }

    private void consumed(long elements) {
        chunkElementsLeft -= elements;
        position += elements;
    }

    private void checkCount(long count) {
        if (finished) {
            throw new IllegalStateException("array stream used after its onArray call returned");
        }
        if (count < 0 || count > remaining()) {
            throw new IllegalArgumentException(count + " elements requested, " + remaining() + " remaining");
        }
    }

    /** Skips what the visitor left and checks the remaining chunk headers; the stream is unusable afterwards. */
    void finish() throws IOException {
        skip(remaining());
        while (chunksOpened < chunkCount) {
            openNextChunk(); // only empty chunks can follow a complete array; larger ones fail the count check
        }
        finished = true;
    }
}
