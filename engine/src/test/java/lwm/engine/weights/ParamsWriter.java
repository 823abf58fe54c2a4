package lwm.engine.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds a streaming params file like tux's StreamingCheckpointer with flax.serialization.to_bytes values. */
final class ParamsWriter {
    private final MsgpackWriter file = new MsgpackWriter();

    /** {@code to_bytes(array)}: ext 1 holding [shape, dtype, data]. */
    static byte[] ndarray(long[] shape, String dtype, byte[] data) {
        return new MsgpackWriter().ext(1, ndarrayPayload(shape, dtype, data)).toByteArray();
    }

    static byte[] ndarrayPayload(long[] shape, String dtype, byte[] data) {
        MsgpackWriter payload = new MsgpackWriter().arrayHeader(3).arrayHeader(shape.length);
        for (long d : shape) {
            payload.integer(d);
        }
        return payload.str(dtype).bin(data).toByteArray();
    }

    /** {@code to_bytes} of a chunked array: chunks are flat ndarrays of the given byte pieces. */
    static byte[] chunked(long[] shape, String dtype, int elementBytes, List<byte[]> chunks) {
        MsgpackWriter w = new MsgpackWriter().mapHeader(3)
                .str("__msgpack_chunked_array__").bool(true)
                .str("shape").mapHeader(shape.length);
        for (int i = 0; i < shape.length; i++) {
            w.str(Integer.toString(i)).integer(shape[i]);
        }
        w.str("chunks").mapHeader(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            w.str(Integer.toString(i)).raw(ndarray(new long[] {chunk.length / elementBytes}, dtype, chunk));
        }
        return w.toByteArray();
    }

    /** A record [key_path, bin(value)]. */
    ParamsWriter record(List<String> keyPath, byte[] value) {
        file.arrayHeader(2).strings(keyPath).bin(value);
        return this;
    }

    /** Arbitrary bytes, for malformed records. */
    ParamsWriter raw(byte[] bytes) {
        file.raw(bytes);
        return this;
    }

    Path write(Path path) throws IOException {
        Files.write(path, file.toByteArray());
        return path;
    }
}
