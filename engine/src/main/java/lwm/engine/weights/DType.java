package lwm.engine.weights;

import java.util.HashMap;
import java.util.Map;

/** Element types found in checkpoints, with the names each format uses for them. */
public enum DType {
    F32(4, "F32", "FloatStorage", "float32"),
    F16(2, "F16", "HalfStorage", "float16"),
    BF16(2, "BF16", "BFloat16Storage", "bfloat16"),
    F64(8, "F64", "DoubleStorage", "float64"),
    I64(8, "I64", "LongStorage", "int64"),
    I32(4, "I32", "IntStorage", "int32"),
    I16(2, "I16", "ShortStorage", "int16"),
    I8(1, "I8", "CharStorage", "int8"),
    U8(1, "U8", "ByteStorage", "uint8"),
    BOOL(1, "BOOL", "BoolStorage", "bool");

    private static final Map<String, DType> BY_SAFETENSORS = new HashMap<>();
    private static final Map<String, DType> BY_TORCH_STORAGE = new HashMap<>();
    private static final Map<String, DType> BY_NUMPY = new HashMap<>();

    static {
        for (DType t : values()) {
            BY_SAFETENSORS.put(t.safetensorsName, t);
            BY_TORCH_STORAGE.put(t.torchStorageName, t);
            BY_NUMPY.put(t.numpyName, t);
        }
    }

    private final int byteSize;
    private final String safetensorsName;
    private final String torchStorageName;
    private final String numpyName;

    DType(int byteSize, String safetensorsName, String torchStorageName, String numpyName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.torchStorageName = torchStorageName;
        this.numpyName = numpyName;
    }

    public int byteSize() {
        return byteSize;
    }

    /** True for the types {@link TensorConversions} and {@link ArrayStream#readFloats} can turn into floats. */
    public boolean isConvertibleToFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** From a safetensors header dtype such as "BF16". */
    public static DType fromSafetensors(String name) throws CheckpointException {
        return lookup(BY_SAFETENSORS, name, "safetensors");
    }

    /** From a torch storage class name such as "HalfStorage" (module "torch"). */
    public static DType fromTorchStorage(String className) throws CheckpointException {
        return lookup(BY_TORCH_STORAGE, className, "torch storage");
    }

    /** From a numpy / flax dtype name such as "bfloat16". */
    public static DType fromNumpy(String name) throws CheckpointException {
        return lookup(BY_NUMPY, name, "numpy");
    }

    private static DType lookup(Map<String, DType> names, String name, String format) throws CheckpointException {
        DType t = names.get(name);
        if (t == null) {
            throw new CheckpointException("unknown " + format + " dtype '" + name + "'");
        }
        return t;
    }
}
