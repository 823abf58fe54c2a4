package lwm.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A single checkpoint file whose tensors were located and validated at open time and are served as slices of
 * memory mappings. No file handle is held after opening: mappings outlive their channel.
 */
abstract sealed class MappedCheckpoint implements Checkpoint permits SafetensorsFile, TorchBinFile {
    private final Path file;
    private final Map<String, TensorLocation> locations = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> slices;
    private volatile boolean closed;

    MappedCheckpoint(Path file, FileChannel channel, List<TensorLocation> inFileOrder, long windowSize)
            throws IOException {
        this.file = file;
        for (TensorLocation loc : inFileOrder) {
            locations.put(loc.name(), loc);
        }
        this.slices = MappedWindows.map(channel, inFileOrder, windowSize);
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(locations.keySet());
    }

    @Override
    public RawTensor tensor(String name) throws CheckpointException {
        if (closed) {
            throw new IllegalStateException(file + ": checkpoint is closed");
        }
        TensorLocation loc = locations.get(name);
        if (loc == null) {
            throw CheckpointException.inTensor(file, name, "no such tensor");
        }
        ByteBuffer slice = slices.get(name);
        if (slice == null) {
            throw CheckpointException.inTensor(file, name, loc.length() + " bytes is too large for one buffer (limit "
                    + MappedWindows.MAX_WINDOW + " bytes)");
        }
        return new RawTensor(name, loc.dtype(), loc.shape(), slice);
    }

    @Override
    public Path file(String name) {
        return locations.containsKey(name) ? file : null;
    }

    @Override
    public void close() {
        closed = true;
    }
}
