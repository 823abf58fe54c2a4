package lwm.engine.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;

/** Little-endian encodings of test values, and the assertion every bad-input test makes. */
final class TestData {
    private TestData() {
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Values must be exact in F16. */
    static byte[] f16(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(TensorConversions.floatToHalf(v));
        }
        return b.array();
    }

    /** Values must be exact in BF16 (top 16 bits of the float). */
    static byte[] bf16(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return b.array();
    }

    static byte[] i64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** 0, 1, 2, ... n-1: exact in F32, F16 (n <= 2048) and BF16 (n <= 256). */
    static float[] ramp(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        return values;
    }

    /** The tensor widened to floats. */
    static float[] floats(RawTensor tensor) throws CheckpointException {
        FloatBuffer fb = TensorConversions.toF32(tensor).asFloatBuffer();
        float[] values = new float[fb.remaining()];
        fb.get(values);
        return values;
    }

    /** Runs {@code action}, expecting a CheckpointException that names the file and contains every fragment. */
    static CheckpointException assertBad(Path file, Executable action, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, action);
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), () -> "message does not name " + file + ": " + message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "message lacks '" + fragment + "': " + message);
        }
        return e;
    }
}
