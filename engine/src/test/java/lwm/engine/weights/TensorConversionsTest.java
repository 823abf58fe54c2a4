package lwm.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TensorConversionsTest {

    private static void assertHalf(int expectedBits, float value) {
        assertEquals(String.format("0x%04x", expectedBits),
                String.format("0x%04x", TensorConversions.floatToHalf(value) & 0xffff), "floatToHalf(" + value + ")");
    }

    @Test
    void floatToHalfMatchesKnownBitPatterns() {
        assertHalf(0x0000, 0f);
        assertHalf(0x8000, -0f);
        assertHalf(0x3c00, 1f);
        assertHalf(0xc000, -2f);
        assertHalf(0x3555, 1f / 3); // 0.333251953125, rounded down
        assertHalf(0x2e66, 0.1f);
        assertHalf(0x7bff, 65504f); // max
        assertHalf(0x7bff, 65519.996f); // just under max + half ulp
        assertHalf(0x7c00, 65520f); // max + half ulp: tie goes to the even neighbour, infinity
        assertHalf(0x7c00, 1e6f);
        assertHalf(0xfc00, -1e30f);
        assertHalf(0x7c00, Float.POSITIVE_INFINITY);
        assertHalf(0xfc00, Float.NEGATIVE_INFINITY);
        assertHalf(0x0400, 0x1p-14f); // smallest normal
        assertHalf(0x03ff, 0x1.ff8p-15f); // largest subnormal
        assertHalf(0x0400, 0x1.ffcp-15f); // rounds up out of the subnormals
        assertHalf(0x0001, 0x1p-24f); // smallest subnormal
        assertHalf(0x0000, 0x1p-25f); // tie between 0 and 2^-24: even is 0
        assertHalf(0x0001, 0x1.000002p-25f); // just above the tie
        assertHalf(0x0002, 0x1.8p-24f); // 1.5 subnormal units: tie, even is 2
        assertHalf(0x0002, 0x1.4p-23f); // 2.5 subnormal units: tie, even is 2
        assertHalf(0x0000, 0x1p-30f); // underflow
        assertHalf(0x8000, -0x1p-30f);
        assertHalf(0x3c00, 1f + 0x1p-11f); // tie between 1 and 1+2^-10: even is 1
        assertHalf(0x3c02, 1f + 3 * 0x1p-11f); // tie between 0x3c01 and 0x3c02: even is 0x3c02
        assertHalf(0x3c01, 1f + 0x1p-11f + 0x1p-20f); // just above the tie
        assertHalf(0x3c00, 1f + 0x1p-11f - 0x1p-23f);
        short nan = TensorConversions.floatToHalf(Float.NaN);
        assertEquals(0x7c00, nan & 0x7c00);
        assertTrue((nan & 0x3ff) != 0, "NaN stays NaN");
        assertTrue(Float.isNaN(TensorConversions.halfToFloat(TensorConversions.floatToHalf(
                Float.intBitsToFloat(0xff80_0001)))), "a NaN with only low payload bits stays NaN");
    }

    @Test
    void halfToFloatMatchesKnownValues() {
        assertEquals(1f, TensorConversions.halfToFloat((short) 0x3c00));
        assertEquals(65504f, TensorConversions.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, TensorConversions.halfToFloat((short) 0x0001));
        assertEquals(-0x1.ff8p-15f, TensorConversions.halfToFloat((short) 0x83ff));
        assertEquals(Float.NEGATIVE_INFINITY, TensorConversions.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(TensorConversions.halfToFloat((short) 0x7e00)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(TensorConversions.halfToFloat(
                (short) 0x8000)));
    }

    @Test
    void everyHalfRoundTripsThroughFloat() {
        for (int h = 0; h < 0x10000; h++) {
            float f = TensorConversions.halfToFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals(h, TensorConversions.floatToHalf(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void everyTieBetweenNeighbouringHalvesGoesToTheEvenOne() {
        for (int h = 0; h < 0x7bff; h++) {
            float midpoint = (TensorConversions.halfToFloat((short) h) + TensorConversions.halfToFloat((short) (h + 1)))
                    / 2; // exact: floats have 13 more mantissa bits
            int even = h % 2 == 0 ? h : h + 1;
            assertEquals(even, TensorConversions.floatToHalf(midpoint) & 0xffff,
                    "tie above 0x" + Integer.toHexString(h));
            assertEquals(even | 0x8000, TensorConversions.floatToHalf(-midpoint) & 0xffff);
        }
    }

    @Test
    void floatToHalfRoundsToNearestEvenOnRandomFloats() {
        // Reference: the nearest of all non-negative halves by exact double arithmetic; infinity counts as 65536.
        double[] halves = new double[0x7c01];
        for (int h = 0; h < 0x7c00; h++) {
            halves[h] = TensorConversions.halfToFloat((short) h);
        }
        halves[0x7c00] = 65536;
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            float f = i % 2 == 0 ? Float.intBitsToFloat(random.nextInt())
                    : (float) ((random.nextDouble() - 0.5) * Math.scalb(1.0, random.nextInt(46) - 28));
            if (Float.isNaN(f)) {
                continue;
            }
            double magnitude = Math.abs((double) f);
            int expected;
            if (magnitude >= 65536) {
                expected = 0x7c00;
            } else {
                int hi = java.util.Arrays.binarySearch(halves, magnitude);
                if (hi >= 0) {
                    expected = hi;
                } else {
                    hi = -hi - 1;
                    int lo = hi - 1;
                    double dLo = magnitude - halves[lo];
                    double dHi = halves[hi] - magnitude;
                    expected = dLo < dHi ? lo : dHi < dLo ? hi : (lo % 2 == 0 ? lo : hi);
                }
            }
            expected |= f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
            assertEquals(expected, TensorConversions.floatToHalf(f) & 0xffff, "floatToHalf(" + f + ")");
        }
    }

    @Test
    void bf16WidensByShifting() {
        assertEquals(1f, TensorConversions.bf16ToFloat((short) 0x3f80));
        assertEquals(-2f, TensorConversions.bf16ToFloat((short) 0xc000));
        assertEquals(Float.POSITIVE_INFINITY, TensorConversions.bf16ToFloat((short) 0x7f80));
        assertEquals(0x1p-133f, TensorConversions.bf16ToFloat((short) 0x0001));
    }

    private static RawTensor tensor(DType dtype, byte[] data, long... shape) {
        return new RawTensor("t", dtype, shape, ByteBuffer.wrap(data));
    }

    private static void assertDirectNative(ByteBuffer b, int bytes) {
        assertTrue(b.isDirect());
        assertEquals(ByteOrder.nativeOrder(), b.order());
        assertEquals(0, b.position());
        assertEquals(bytes, b.remaining());
    }

    private static float[] floatsOf(ByteBuffer f32) {
        float[] values = new float[f32.remaining() / 4];
        f32.asFloatBuffer().get(values);
        return values;
    }

    private static short[] halvesOf(ByteBuffer f16) {
        short[] values = new short[f16.remaining() / 2];
        f16.asShortBuffer().get(values);
        return values;
    }

    @Test
    void convertsTensorsToF32() throws CheckpointException {
        // Larger than one conversion block, to cover the block loop.
        float[] ramp = TestData.ramp(20_000);
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (ramp[i] % 256) - 128;
        }
        for (RawTensor t : new RawTensor[] {tensor(DType.F32, TestData.f32(ramp), 100, 200),
                tensor(DType.F16, TestData.f16(ramp), 20_000), tensor(DType.BF16, TestData.bf16(ramp), 20_000)}) {
            ByteBuffer out = TensorConversions.toF32(t);
            assertDirectNative(out, 80_000);
            assertArrayEquals(ramp, floatsOf(out), t.dtype().toString());
        }
    }

    @Test
    void convertsTensorsToF16() throws CheckpointException {
        float[] values = {1, -2, 65504, 1f / 3, 0x1p-24f, 1e6f, 0x1.ff8p-15f, 0.1f};
        short[] expected = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            expected[i] = TensorConversions.floatToHalf(values[i]);
        }
        ByteBuffer fromF32 = TensorConversions.toF16(tensor(DType.F32, TestData.f32(values), values.length));
        assertDirectNative(fromF32, 16);
        assertArrayEquals(expected, halvesOf(fromF32));
        assertArrayEquals(expected, halvesOf(TensorConversions.toF16(tensor(DType.F16, TestData.f16(values), 8))));
        float[] bf16Exact = {1, -2, 0.5f, 3, -0.25f, 0x1p100f, 0x1p-30f, 1.5f};
        short[] bf16Expected = {0x3c00, (short) 0xc000, 0x3800, 0x4200, (short) 0xb400, 0x7c00, 0x0000, 0x3e00};
        assertArrayEquals(bf16Expected, halvesOf(TensorConversions.toF16(tensor(DType.BF16,
                TestData.bf16(bf16Exact), 2, 4))));
    }

    @Test
    void convertsFloatBuffersToF16WithoutMovingThem() {
        FloatBuffer src = FloatBuffer.wrap(new float[] {9, 1, 2.5f, -65504});
        src.position(1);
        ByteBuffer out = TensorConversions.toF16(src);
        assertDirectNative(out, 6);
        assertArrayEquals(new short[] {0x3c00, 0x4100, (short) 0xfbff}, halvesOf(out));
        assertEquals(1, src.position());
    }

    @Test
    void rejectsNonFloatTensors() {
        RawTensor ints = tensor(DType.I64, TestData.i64(1, 2), 2);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorConversions.toF32(ints));
        assertTrue(e.getMessage().contains("tensor 't': cannot convert I64"), e.getMessage());
        assertThrows(CheckpointException.class, () -> TensorConversions.toF16(ints));
    }

    @Test
    void rawTensorChecksItsSizeAndHandsOutIndependentViews() {
        assertThrows(IllegalArgumentException.class, () -> tensor(DType.F32, new byte[12], 2, 2));
        RawTensor t = tensor(DType.F32, TestData.f32(1, 2), 2);
        t.data().position(4);
        assertEquals(0, t.data().position());
        assertEquals(ByteOrder.LITTLE_ENDIAN, t.data().order());
        t.shape()[0] = 99;
        assertEquals(2, t.shape()[0]);
        assertEquals(2, t.elementCount());
    }
}
