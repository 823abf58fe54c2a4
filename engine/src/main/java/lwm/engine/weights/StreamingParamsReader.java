package lwm.engine.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads LWM's Jax {@code params} file (tux StreamingCheckpointer): concatenated msgpack records
 * {@code [key_path: [str...], value: bin]} where the bin holds {@code flax.serialization.to_bytes(array)}. Records
 * reach several GiB, so nothing is held in memory: the visitor pulls elements through an {@link ArrayStream} and
 * whatever it leaves is skipped by seeking.
 */
public final class StreamingParamsReader {
    static final int MAX_KEY_PATH_LENGTH = 256;
    static final int MAX_KEY_BYTES = 4096;

    private StreamingParamsReader() {
    }

    /** Calls the visitor once per record, in file order. */
    public static void read(Path file, ArrayVisitor visitor) throws IOException {
        try (MsgpackInput in = new MsgpackInput(file)) {
            while (!in.atEnd()) {
                readRecord(in, visitor);
            }
        }
    }

    private static void readRecord(MsgpackInput in, ArrayVisitor visitor) throws IOException {
        long start = in.position();
        in.setContext("record starting at byte " + start);
        long fields = in.readArrayHeader("record");
        if (fields != 2) {
            throw in.error("record has " + fields + " elements, expected [key_path, value]");
        }
        List<String> keyPath = readKeyPath(in);
        in.setContext("record " + String.join("/", keyPath) + " (starting at byte " + start + ")");
        long valueLength = in.readBinHeader("value");
        in.checkWithinLimit(valueLength, "value");
        long valueEnd = in.position() + valueLength;
        in.setLimit(valueEnd);
        FlaxArrayStream stream = FlaxArrayStream.open(in);
        visitor.onArray(keyPath, stream.dtype(), stream.shape(), stream);
        stream.finish();
        if (in.position() != valueEnd) {
            throw in.error((valueEnd - in.position()) + " bytes of the value are left over after the array");
        }
        in.setLimit(in.size());
    }

    private static List<String> readKeyPath(MsgpackInput in) throws IOException {
        long length = in.readArrayHeader("key path");
        if (length == 0 || length > MAX_KEY_PATH_LENGTH) {
            throw in.error("key path has " + length + " elements");
        }
        List<String> keyPath = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            keyPath.add(in.readString("key path element " + i, MAX_KEY_BYTES));
        }
        return Collections.unmodifiableList(keyPath);
    }
}
