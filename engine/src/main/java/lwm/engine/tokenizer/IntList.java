package lwm.engine.tokenizer;

import java.util.Arrays;

/** A growing array of ids (byte fallback can make more ids than a text has characters). */
final class IntList {
    private int[] values;
    private int size;

    IntList(int expected) {
        values = new int[Math.max(8, expected)];
    }

    void add(int value) {
        ensure(1);
        values[size++] = value;
    }

    void addAll(int[] more) {
        ensure(more.length);
        System.arraycopy(more, 0, values, size, more.length);
        size += more.length;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }

    private void ensure(int extra) {
        if (size + extra > values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, size + extra));
        }
    }
}
