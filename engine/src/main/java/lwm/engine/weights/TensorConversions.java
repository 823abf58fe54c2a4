package lwm.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Float conversions into direct, native-order buffers, the form DJL's PyTorch engine takes without copying
 * ({@code manager.create(buffer, shape, dtype)}). BF16 never reaches DJL (its JNI aborts on it): widen to F32 or
 * narrow to F16 here. Work is done in blocks through primitive arrays so the loops stay simple for the JIT.
 */
public final class TensorConversions {
    private static final int BLOCK = 8192;
    /** Every F16 bit pattern's float value: exact, and a table lookup beats the bit arithmetic. */
    private static final float[] HALF_TO_FLOAT = new float[1 << 16];

    static {
        for (int h = 0; h < HALF_TO_FLOAT.length; h++) {
            HALF_TO_FLOAT[h] = computeHalfToFloat(h);
        }
    }

    private TensorConversions() {
    }

    /** F32, F16 or BF16 tensor as F32 (4 bytes per element). */
    public static ByteBuffer toF32(RawTensor tensor) throws CheckpointException {
        ByteBuffer out = allocate(tensor, Float.BYTES);
        decodeFloats(tensor.dtype(), tensor.data(), (int) tensor.elementCount(), out.asFloatBuffer());
        return out;
    }

    /** F32, F16 or BF16 tensor as F16 (2 bytes per element), rounding to nearest even. */
    public static ByteBuffer toF16(RawTensor tensor) throws CheckpointException {
        ByteBuffer out = allocate(tensor, Short.BYTES);
        ByteBuffer src = tensor.data();
        int count = (int) tensor.elementCount();
        if (tensor.dtype() == DType.F16) {
            out.asShortBuffer().put(src.asShortBuffer()); // views reorder bytes if native order is not little-endian
            return out;
        }
        ShortBuffer dst = out.asShortBuffer();
        FloatBuffer floats = FloatBuffer.allocate(Math.min(BLOCK, count));
        for (int done = 0; done < count; done += floats.capacity()) {
            int n = Math.min(floats.capacity(), count - done);
            floats.clear();
            decodeFloats(tensor.dtype(), src.position(done * tensor.dtype().byteSize()), n, floats);
            encodeHalves(floats.array(), n, dst);
        }
        return out;
    }

    /** The remaining floats of {@code src} as F16, leaving {@code src}'s position unchanged. */
    public static ByteBuffer toF16(FloatBuffer src) {
        FloatBuffer in = src.duplicate();
        int count = in.remaining();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(count, Short.BYTES))
                .order(ByteOrder.nativeOrder());
        ShortBuffer dst = out.asShortBuffer();
        float[] block = new float[Math.min(BLOCK, count)];
        while (in.hasRemaining()) {
            int n = Math.min(block.length, in.remaining());
            in.get(block, 0, n);
            encodeHalves(block, n, dst);
        }
        return out;
    }

    /** BF16 is the top half of an F32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** Exact. */
    public static float halfToFloat(short bits) {
        return HALF_TO_FLOAT[bits & 0xffff];
    }

    /**
     * IEEE binary16 of {@code f}, rounding to nearest even: magnitudes from 65520 up become infinity, values below
     * 2^-14 become subnormals or zero, NaN stays NaN (quiet, top payload bits kept). Java 17 has no
     * Float.floatToFloat16.
     */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7fff_ffff;
        if (magnitude >= 0x4780_0000) { // 65536 and up, infinity, NaN
            return (short) (sign | 0x7c00 | (magnitude > 0x7f80_0000 ? 0x200 | (magnitude >>> 13) & 0x3ff : 0));
        }
        if (magnitude < 0x3880_0000) { // below 2^-14: subnormal or zero
            // Adding 0.5f puts the result's units (2^-24) in the float's last mantissa bit; the float addition
            // itself then rounds to nearest even.
            return (short) (sign | (Float.floatToRawIntBits(Float.intBitsToFloat(magnitude) + 0.5f) - 0x3f00_0000));
        }
        // Rebias the exponent (127 → 15) and drop 13 mantissa bits, adding just under half of their weight plus the
        // kept lowest bit: ties round to even, a carry bumps the exponent, and 65520 and up carry into infinity.
        int rounded = magnitude - 0x3800_0000 + 0xfff + ((magnitude >>> 13) & 1);
        return (short) (sign | rounded >>> 13);
    }

    private static float computeHalfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /**
     * Decodes {@code count} little-endian F32/F16/BF16 elements starting at {@code src}'s position into {@code dst}.
     * Shared with {@link ArrayStream} readers; the caller has checked that the dtype is one of the three.
     */
    static void decodeFloats(DType dtype, ByteBuffer src, int count, FloatBuffer dst) {
        ByteBuffer le = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.F32) {
            dst.put(le.asFloatBuffer().limit(count));
            return;
        }
        ShortBuffer in = le.asShortBuffer();
        short[] halves = new short[Math.min(BLOCK, count)];
        float[] floats = new float[halves.length];
        for (int done = 0; done < count; done += halves.length) {
            int n = Math.min(halves.length, count - done);
            in.get(halves, 0, n);
            if (dtype == DType.BF16) {
                for (int i = 0; i < n; i++) {
                    floats[i] = Float.intBitsToFloat(halves[i] << 16);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    floats[i] = HALF_TO_FLOAT[halves[i] & 0xffff];
                }
            }
            dst.put(floats, 0, n);
        }
    }

    private static void encodeHalves(float[] floats, int n, ShortBuffer dst) {
        short[] halves = new short[n];
        for (int i = 0; i < n; i++) {
            halves[i] = floatToHalf(floats[i]);
        }
        dst.put(halves);
    }

    private static ByteBuffer allocate(RawTensor tensor, int bytesPerElement) throws CheckpointException {
        if (!tensor.dtype().isConvertibleToFloat()) {
            throw new CheckpointException("tensor '" + tensor.name() + "': cannot convert " + tensor.dtype()
                    + " to a float type");
        }
        long bytes = tensor.elementCount() * bytesPerElement;
        if (bytes > Integer.MAX_VALUE) {
            throw new CheckpointException("tensor '" + tensor.name() + "': " + bytes
                    + " bytes after conversion is too large for one buffer");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }
}
