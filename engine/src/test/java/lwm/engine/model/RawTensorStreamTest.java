package lwm.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import lwm.engine.weights.CheckpointException;
import lwm.engine.weights.DType;
import lwm.engine.weights.RawTensor;
import org.junit.jupiter.api.Test;

/** A safetensors tensor read like a params record: in slices, F32, F16 or BF16 widened to float. */
class RawTensorStreamTest {
    private static final Path FILE = Path.of("dir", "params.safetensors");
    private static final float[] VALUES = {1.5f, -2.0f, 0.25f, 3.0f, -0.125f, 65504f};

    private static RawTensorStream stream(DType dtype, ByteBuffer bytes) {
        return new RawTensorStream(FILE, new RawTensor("a/kernel", dtype, new long[] {2, 3}, bytes.flip()));
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] readInSlices(RawTensorStream stream) throws CheckpointException {
        FloatBuffer out = FloatBuffer.allocate(VALUES.length);
        stream.readFloats(out, 2);
        stream.readFloats(out, 4);
        assertEquals(0, stream.remaining());
        return out.array();
    }

    @Test
    void f32IsReadAsStored() throws CheckpointException {
        ByteBuffer bytes = buffer(4 * VALUES.length);
        for (float v : VALUES) {
            bytes.putFloat(v);
        }
        assertArrayEquals(VALUES, readInSlices(stream(DType.F32, bytes)));
    }

    @Test
    void bf16IsTheTopHalfOfF32() throws CheckpointException {
        ByteBuffer bytes = buffer(2 * VALUES.length);
        float[] expected = new float[VALUES.length];
        for (int i = 0; i < VALUES.length; i++) {
            short bits = (short) (Float.floatToIntBits(VALUES[i]) >>> 16);
            bytes.putShort(bits);
            expected[i] = Float.intBitsToFloat(bits << 16);
        }
        assertArrayEquals(expected, readInSlices(stream(DType.BF16, bytes)));
    }

    @Test
    void f16IsWidenedExactly() throws CheckpointException {
        ByteBuffer bytes = buffer(2 * VALUES.length);
        for (short half : new short[] {0x3e00, (short) 0xc000, 0x3400, 0x4200, (short) 0xb000, 0x7bff}) {
            bytes.putShort(half);
        }
        assertArrayEquals(VALUES, readInSlices(stream(DType.F16, bytes)));
    }

    @Test
    void skipMovesToTheNextSlice() throws CheckpointException {
        ByteBuffer bytes = buffer(4 * VALUES.length);
        for (float v : VALUES) {
            bytes.putFloat(v);
        }
        RawTensorStream stream = stream(DType.F32, bytes);
        stream.skip(3);
        FloatBuffer out = FloatBuffer.allocate(3);
        stream.readFloats(out, 3);
        assertArrayEquals(new float[] {3.0f, -0.125f, 65504f}, out.array());
        assertThrows(IllegalArgumentException.class, () -> stream.skip(1));
    }

    @Test
    void readingPastTheEndIsAnError() {
        RawTensorStream stream = stream(DType.F32, buffer(4 * VALUES.length).position(4 * VALUES.length));
        assertThrows(IllegalArgumentException.class, () -> stream.readFloats(FloatBuffer.allocate(8), 7));
    }

    @Test
    void integerTensorsAreRejectedNamingFileAndTensor() {
        RawTensorStream stream = new RawTensorStream(FILE,
                new RawTensor("transformer/wte/embedding", DType.I32, new long[] {2}, buffer(8)));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> stream.readFloats(FloatBuffer.allocate(2), 2));
        assertTrue(e.getMessage().contains(FILE.toString()) && e.getMessage().contains("transformer/wte/embedding")
                && e.getMessage().contains("I32"), e.getMessage());
    }
}
