package lwm.engine.model;

import ai.djl.ndarray.types.DataType;

/** Storage type of the matmul weights. Norms, softmax, RoPE, the KV cache and accumulations stay in F32. */
public enum Precision {
    F32(DataType.FLOAT32),
    F16(DataType.FLOAT16);

    private final DataType dataType;

    Precision(DataType dataType) {
        this.dataType = dataType;
    }

    public int bytesPerParameter() {
        return dataType.getNumOfBytes();
    }

    public DataType dataType() {
        return dataType;
    }

    /** F32 when the weights fit in half of the available memory in F32, F16 otherwise. */
    public static Precision automatic(long parameterCount, long availableBytes) {
        return parameterCount * 4L <= availableBytes / 2 ? F32 : F16;
    }

    public static Precision parse(String text) {
        switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "f32": case "fp32": case "float32": return F32;
            case "f16": case "fp16": case "float16": return F16;
            default: throw new IllegalArgumentException("unknown precision '" + text + "' (use f32 or f16)");
        }
    }
}
