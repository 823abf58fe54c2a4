package lwm.test.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoded pixels against the reference: float error, and uint8 values that differ only across a truncation step. */
final class PixelComparison {
    private PixelComparison() {
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length, "value count");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    static double meanAbsDiff(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((double) a[i] - b[i]);
        }
        return sum / a.length;
    }

    /**
     * uint8 = trunc((x + 1) · 127.5): where the float pixels differ by at most {@code tolerance}, the bytes may differ
     * by one, and only where the reference's scaled value lies within 127.5 · tolerance of an integer step.
     *
     * @return the number of bytes that differ
     */
    static int checkUint8(byte[] actual, byte[] expected, float[] referencePixels, double tolerance) {
        assertEquals(expected.length, actual.length, "byte count");
        int differing = 0;
        for (int i = 0; i < actual.length; i++) {
            int a = Byte.toUnsignedInt(actual[i]);
            int e = Byte.toUnsignedInt(expected[i]);
            if (a == e) {
                continue;
            }
            differing++;
            double scaled = (referencePixels[i] + 1.0) * 127.5;
            double toStep = Math.abs(scaled - Math.round(scaled));
            assertTrue(Math.abs(a - e) == 1 && toStep <= 127.5 * tolerance, "uint8 at " + i + ": Java " + a
                    + ", reference " + e + " (reference (x+1)*127.5 = " + scaled + ")");
        }
        return differing;
    }
}
