package lwm.engine.weights;

import java.util.Arrays;

/** Overflow-checked shape arithmetic: sizes come from untrusted headers. */
final class Shapes {
    /** More dimensions than any real tensor has; bounds what a header may make us allocate. */
    static final int MAX_RANK = 64;

    private Shapes() {
    }

    /**
     * Number of elements, or -1 when a dimension is negative, the rank is absurd or the product overflows a long.
     * Callers turn -1 into an error that names their file and tensor.
     */
    static long elementCount(long[] shape) {
        if (shape.length > MAX_RANK) {
            return -1;
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    /** Bytes of {@code elements} of {@code dtype}, or -1 on overflow or a negative count. */
    static long byteSize(DType dtype, long elements) {
        if (elements < 0) {
            return -1;
        }
        try {
            return Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    static String format(long[] shape) {
        return Arrays.toString(shape);
    }
}
