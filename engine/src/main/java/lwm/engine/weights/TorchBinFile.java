package lwm.engine.weights;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lwm.engine.weights.TorchPickleGlobals.TorchStorage;
import lwm.engine.weights.TorchPickleGlobals.TorchTensor;
import lwm.engine.weights.ZipDirectory.StoredEntry;

/**
 * One {@code pytorch_model*.bin} written by torch.save (PyTorch 1.6+ zip format): {@code <folder>/data.pkl} pickles a
 * state_dict whose tensors point at storages stored as entries {@code <folder>/data/<key>}. The pickle is read by
 * {@link RestrictedUnpickler}, which never executes code; the storages are memory-mapped.
 */
public final class TorchBinFile extends MappedCheckpoint {
    /** data.pkl of a 7B model is a few tens of kB; anything near this limit is not a state_dict. */
    static final int MAX_PICKLE_BYTES = 64 << 20;
    private static final String PICKLE_NAME = "data.pkl";
    /** Unwrapping {"state_dict": {...}} / {"model": {...}} stops here, also on a dict that contains itself. */
    private static final int MAX_WRAPPER_DEPTH = 4;

    private TorchBinFile(Path file, FileChannel channel, List<TensorLocation> locations, long windowSize)
            throws IOException {
        super(file, channel, locations, windowSize);
    }

    public static TorchBinFile open(Path file) throws IOException {
        return open(file, MappedWindows.MAX_WINDOW);
    }

    /** With a smaller mapping window, for tests. */
    static TorchBinFile open(Path file, long windowSize) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ZipDirectory zip = ZipDirectory.read(file, channel);
            StoredEntry pickleEntry = findPickle(file, zip);
            String folder = pickleEntry.name().substring(0, pickleEntry.name().length() - PICKLE_NAME.length());
            checkByteOrder(file, channel, zip.entry(folder + "byteorder"));
            if (pickleEntry.size() > MAX_PICKLE_BYTES) {
                throw CheckpointException.in(file, pickleEntry.name() + " is " + pickleEntry.size()
                        + " bytes, over the limit of " + MAX_PICKLE_BYTES);
            }
            byte[] pickle = FileReads.read(file, channel, pickleEntry.offset(), (int) pickleEntry.size()).array();
            Object root = RestrictedUnpickler.load(file, pickleEntry.name(), pickle);
            List<TensorLocation> locations = new ArrayList<>();
            for (Map.Entry<?, ?> item : stateDict(file, root).entrySet()) {
                if (!(item.getKey() instanceof String name)) {
                    throw CheckpointException.in(file, "state_dict key of type "
                            + RestrictedUnpickler.typeName(item.getKey()) + " is not a tensor name");
                }
                if (!(item.getValue() instanceof TorchTensor tensor)) {
                    throw CheckpointException.inTensor(file, name, "value is a "
                            + RestrictedUnpickler.typeName(item.getValue()) + ", not a tensor");
                }
                locations.add(locate(file, zip, folder, name, tensor));
            }
            return new TorchBinFile(file, channel, locations, windowSize);
        }
    }

    private static StoredEntry findPickle(Path file, ZipDirectory zip) throws CheckpointException {
        StoredEntry found = null;
        for (StoredEntry e : zip.entries()) {
            if (e.name().equals(PICKLE_NAME) || e.name().endsWith("/" + PICKLE_NAME)) {
                if (found != null) {
                    throw CheckpointException.in(file, "two pickles, '" + found.name() + "' and '" + e.name() + "'");
                }
                found = e;
            }
        }
        if (found == null) {
            throw CheckpointException.in(file, "zip archive without a data.pkl entry: not a torch.save checkpoint");
        }
        return found;
    }

    /** Torch 2.x records the byte order of the storages; older files are always little-endian. */
    private static void checkByteOrder(Path file, FileChannel channel, StoredEntry byteOrder) throws IOException {
        if (byteOrder == null) {
            return;
        }
        int length = (int) Math.min(byteOrder.size(), 16);
        String order = StandardCharsets.US_ASCII.decode(FileReads.read(file, channel, byteOrder.offset(), length))
                .toString().trim();
        if (!order.equals("little")) {
            throw CheckpointException.in(file, "storages are in '" + order + "' byte order; only little is supported");
        }
    }

    /** The top-level dict of tensors, looking through {"state_dict": ...} and {"model": ...} wrappers. */
    private static Map<?, ?> stateDict(Path file, Object root) throws CheckpointException {
        Object current = root;
        for (int depth = 0; depth <= MAX_WRAPPER_DEPTH; depth++) {
            if (!(current instanceof Map<?, ?> dict)) {
                throw CheckpointException.in(file, "pickled object is a " + RestrictedUnpickler.typeName(current)
                        + ", not a state_dict (dict of tensors)");
            }
            Object inner = dict.get("state_dict") instanceof Map ? dict.get("state_dict") : dict.get("model");
            if (!(inner instanceof Map)) {
                return dict;
            }
            current = inner;
        }
        throw CheckpointException.in(file, "state_dict wrappers nested more than " + MAX_WRAPPER_DEPTH + " deep");
    }

    /** Checks the tensor against its storage entry; only contiguous (C-order) tensors are one slice of it. */
    private static TensorLocation locate(Path file, ZipDirectory zip, String folder, String name, TorchTensor tensor)
            throws CheckpointException {
        TorchStorage storage = tensor.storage();
        DType dtype = storage.dtype();
        StoredEntry entry = zip.entry(folder + "data/" + storage.key());
        if (entry == null) {
            throw CheckpointException.inTensor(file, name, "storage '" + storage.key()
                    + "' not found: the archive has no entry '" + folder + "data/" + storage.key() + "'");
        }
        long storageBytes = Shapes.byteSize(dtype, storage.numel());
        if (storageBytes < 0 || storageBytes > entry.size()) {
            throw CheckpointException.inTensor(file, name, "storage '" + storage.key() + "' declares "
                    + storage.numel() + " " + dtype + " elements but its entry holds only " + entry.size() + " bytes");
        }
        long count = Shapes.elementCount(tensor.size());
        if (count < 0) {
            throw CheckpointException.inTensor(file, name, "shape " + Shapes.format(tensor.size()) + " is too large");
        }
        if (!isContiguous(tensor.size(), tensor.stride(), count)) {
            throw CheckpointException.inTensor(file, name, "strides " + Shapes.format(tensor.stride())
                    + " for shape " + Shapes.format(tensor.size()) + " are not contiguous (C order);"
                    + " save with tensor.contiguous()");
        }
        if (tensor.offset() > storage.numel() || count > storage.numel() - tensor.offset()) {
            throw CheckpointException.inTensor(file, name, "offset " + tensor.offset() + " + " + count
                    + " elements overflows storage '" + storage.key() + "' of " + storage.numel() + " elements");
        }
        long begin = entry.offset() + tensor.offset() * dtype.byteSize();
        return new TensorLocation(name, dtype, tensor.size(), begin, count * dtype.byteSize());
    }

    /** Like torch's is_contiguous: empty tensors and dimensions of size 1 may have any stride. */
    private static boolean isContiguous(long[] size, long[] stride, long count) {
        if (count == 0) {
            return true;
        }
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }
}
