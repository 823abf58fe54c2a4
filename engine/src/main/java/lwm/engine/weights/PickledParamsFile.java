package lwm.engine.weights;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import lwm.engine.weights.NumpyPickleGlobals.NumpyArray;
import lwm.engine.weights.RestrictedUnpickler.PickleException;

/**
 * A Python pickle of a nested dict of numpy arrays, such as LWM's {@code vqgan} file ({@code pickle.dump} of a Flax
 * parameter tree). The file is memory-mapped and read by {@link RestrictedUnpickler} with
 * {@link NumpyPickleGlobals}, so nothing in it is executed; array data stays in the mapping (zero-copy). Tensor names
 * are the dict keys joined with '/', e.g. {@code encoder/Conv_0/kernel}.
 */
public final class PickledParamsFile implements Checkpoint {
    /** One mapping; LWM's file is 585 MB. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE;
    /** Parameter trees are a few levels deep; the bound also stops a dict that contains itself. */
    static final int MAX_DEPTH = 32;
    private static final String ENTRY = "pickle";

    private final Path file;
    private final Map<String, RawTensor> tensors;
    private volatile boolean closed;

    private PickledParamsFile(Path file, Map<String, RawTensor> tensors) {
        this.file = file;
        this.tensors = tensors;
    }

    public static PickledParamsFile open(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > MAX_FILE_BYTES) {
                throw CheckpointException.in(file, size + " bytes exceeds the limit of " + MAX_FILE_BYTES
                        + " bytes for a pickled parameter file");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            Object root = RestrictedUnpickler.load(file, ENTRY, mapped, NumpyPickleGlobals.INSTANCE);
            if (!(root instanceof Map<?, ?> tree)) {
                throw CheckpointException.in(file, "pickled object is a " + RestrictedUnpickler.typeName(root)
                        + ", not a dict of parameters");
            }
            Map<String, RawTensor> tensors = new LinkedHashMap<>();
            flatten(file, tree, "", 1, tensors);
            if (tensors.isEmpty()) {
                throw CheckpointException.in(file, "the pickled dict holds no arrays");
            }
            return new PickledParamsFile(file, tensors);
        }
    }

    private static void flatten(Path file, Map<?, ?> dict, String prefix, int depth, Map<String, RawTensor> out)
            throws CheckpointException {
        if (depth > MAX_DEPTH) {
            throw CheckpointException.in(file, "dicts nested deeper than " + MAX_DEPTH + " at '" + prefix + "'");
        }
        for (Map.Entry<?, ?> item : dict.entrySet()) {
            if (!(item.getKey() instanceof String key) || key.isEmpty() || key.contains("/")) {
                throw CheckpointException.in(file, "key " + describeKey(item.getKey()) + " under '" + prefix
                        + "' is not a parameter name (a non-empty str without '/')");
            }
            String name = prefix.isEmpty() ? key : prefix + "/" + key;
            if (item.getValue() instanceof Map<?, ?> child) {
                flatten(file, child, name, depth + 1, out);
            } else if (item.getValue() instanceof NumpyArray array) {
                out.put(name, tensor(file, name, array));
            } else {
                throw CheckpointException.inTensor(file, name, "value is a "
                        + RestrictedUnpickler.typeName(item.getValue()) + ", not a numpy array or a dict");
            }
        }
    }

    private static String describeKey(Object key) {
        return key instanceof String s ? "'" + RestrictedUnpickler.abbreviate(s) + "'"
                : "of type " + RestrictedUnpickler.typeName(key);
    }

    private static RawTensor tensor(Path file, String name, NumpyArray array) throws CheckpointException {
        if (!array.isComplete()) {
            throw CheckpointException.inTensor(file, name, "numpy array was never given its data (no BUILD)");
        }
        DType dtype;
        try {
            dtype = array.dtype().toDType();
        } catch (PickleException e) {
            throw CheckpointException.inTensor(file, name, e.getMessage());
        }
        long[] shape = array.shape();
        if (array.isFortranWithDifferentLayout()) {
            throw CheckpointException.inTensor(file, name, "Fortran-ordered array of shape " + Shapes.format(shape)
                    + " is not supported (save it with np.ascontiguousarray)");
        }
        long bytes = Shapes.byteSize(dtype, Shapes.elementCount(shape));
        int stored = array.data().remaining();
        if (bytes != stored) {
            throw CheckpointException.inTensor(file, name, stored + " bytes of data for " + dtype + " "
                    + Shapes.format(shape) + (bytes < 0 ? " (too large)" : " (" + bytes + " bytes)"));
        }
        return new RawTensor(name, dtype, shape, array.data());
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public RawTensor tensor(String name) throws CheckpointException {
        if (closed) {
            throw new IllegalStateException(file + ": checkpoint is closed");
        }
        RawTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw CheckpointException.inTensor(file, name, "no such tensor");
        }
        return tensor;
    }

    @Override
    public Path file(String name) {
        return tensors.containsKey(name) ? file : null;
    }

    @Override
    public void close() {
        closed = true;
    }
}
