package lwm.engine.weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lwm.engine.weights.RestrictedUnpickler.PickleException;
import lwm.engine.weights.RestrictedUnpickler.PythonObject;
import lwm.engine.weights.RestrictedUnpickler.Tuple;

/**
 * The globals of a torch.save {@code data.pkl}: just enough to rebuild a state_dict of tensors. Storages are
 * persistent ids that {@link TorchBinFile} resolves to archive entries; nothing is ever imported or called.
 */
final class TorchPickleGlobals implements RestrictedUnpickler.Globals {
    static final TorchPickleGlobals INSTANCE = new TorchPickleGlobals();

    /** The persistent id ('storage', torch.XStorage, key, location, numel): entry {@code data/<key>} of the archive. */
    record TorchStorage(DType dtype, String key, long numel) implements PythonObject {
        @Override
        public String pythonType() {
            return "storage";
        }
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}; offset and stride count elements. */
    record TorchTensor(TorchStorage storage, long offset, long[] size, long[] stride) implements PythonObject {
        @Override
        public String pythonType() {
            return "tensor";
        }
    }

    /** The callables this unpickler allows. */
    private enum Callable implements PythonObject {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter");

        final String qualifiedName;

        Callable(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }

        @Override
        public String pythonType() {
            return qualifiedName;
        }
    }

    /** A torch storage class such as torch.HalfStorage: only ever a persistent-id field, never called. */
    private record StorageClass(DType dtype) implements PythonObject {
        @Override
        public String pythonType() {
            return "torch storage class " + dtype;
        }
    }

    private TorchPickleGlobals() {
    }

    @Override
    public Object resolve(String module, String name) throws PickleException {
        String qualified = module + "." + name;
        for (Callable c : Callable.values()) {
            if (c.qualifiedName.equals(qualified)) {
                return c;
            }
        }
        if (module.equals("torch") && name.endsWith("Storage")) {
            try {
                return new StorageClass(DType.fromTorchStorage(name));
            } catch (CheckpointException e) {
                throw new PickleException("unsupported storage class '" + RestrictedUnpickler.abbreviate(qualified)
                        + "'");
            }
        }
        throw new PickleException("forbidden global '" + RestrictedUnpickler.abbreviate(qualified) + "': only the"
                + " globals that rebuild tensors (collections.OrderedDict, torch._utils._rebuild_tensor_v2,"
                + " torch.*Storage) are allowed");
    }

    @Override
    public Object persistentLoad(Object pid) throws PickleException {
        if (pid instanceof Tuple t && t.items().size() == 5 && "storage".equals(t.items().get(0))
                && t.items().get(1) instanceof StorageClass storageClass
                && t.items().get(2) instanceof String key
                && t.items().get(4) instanceof Long numel && numel >= 0) {
            return new TorchStorage(storageClass.dtype(), key, numel);
        }
        throw new PickleException("persistent id is not ('storage', torch.XStorage, key, location, numel)");
    }

    @Override
    public Object call(Object callable, List<Object> args) throws PickleException {
        if (!(callable instanceof Callable c)) {
            throw new PickleException(RestrictedUnpickler.typeName(callable) + " is not callable");
        }
        return switch (c) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) {
                    throw new PickleException("collections.OrderedDict called with arguments");
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> rebuildTensor(args);
            case REBUILD_PARAMETER -> {
                if (args.size() != 3 || !(args.get(0) instanceof TorchTensor data)) {
                    throw new PickleException("torch._utils._rebuild_parameter expects (tensor, requires_grad, hooks)");
                }
                yield data;
            }
        };
    }

    /** (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private static TorchTensor rebuildTensor(List<Object> args) throws PickleException {
        if (args.size() < 6 || args.size() > 7 || !(args.get(0) instanceof TorchStorage storage)
                || !(args.get(1) instanceof Long offset) || offset < 0
                || !(args.get(2) instanceof Tuple size) || !(args.get(3) instanceof Tuple stride)
                || size.items().size() != stride.items().size() || size.items().size() > Shapes.MAX_RANK) {
            throw new PickleException("torch._utils._rebuild_tensor_v2 expects (storage, offset >= 0, size, stride"
                    + " of the same rank, requires_grad, backward_hooks)");
        }
        return new TorchTensor(storage, offset, longs(size, "size"), longs(stride, "stride"));
    }

    private static long[] longs(Tuple tuple, String what) throws PickleException {
        long[] values = new long[tuple.items().size()];
        for (int i = 0; i < values.length; i++) {
            if (!(tuple.items().get(i) instanceof Long value) || value < 0) {
                throw new PickleException("tensor " + what + " holds "
                        + RestrictedUnpickler.typeName(tuple.items().get(i)) + ", not a non-negative int");
            }
            values[i] = value;
        }
        return values;
    }

    /** BUILD sets instance state; only dicts get any (an OrderedDict's _metadata), and it is not needed. */
    @Override
    public void build(Object target, Object state) throws PickleException {
        if (!(target instanceof Map)) {
            throw new PickleException("BUILD on " + RestrictedUnpickler.typeName(target) + " is not supported");
        }
        if (state != null && !(state instanceof Map)) {
            throw new PickleException("BUILD with " + RestrictedUnpickler.typeName(state) + " state is not supported");
        }
    }
}
