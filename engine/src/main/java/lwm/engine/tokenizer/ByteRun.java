package lwm.engine.tokenizer;

import java.util.Arrays;

/**
 * Consecutive byte-fallback pieces awaiting conversion to text. Conversion follows SentencePiece's decoder
 * (sentencepiece_processor.cc, util.cc {@code DecodeUTF8}): each complete, valid UTF-8 character becomes that
 * character, and each byte that cannot start one becomes U+FFFD on its own. Java's UTF-8 decoder groups invalid bytes
 * differently, hence this class.
 */
final class ByteRun {
    private static final char REPLACEMENT = '\uFFFD';

    private byte[] bytes = new byte[8];
    private int length;

    void add(int value) {
        if (length == bytes.length) {
            bytes = Arrays.copyOf(bytes, length * 2);
        }
        bytes[length++] = (byte) value;
    }

    /**
     * Appends the text of the leading bytes that are decided and removes them. Unless {@code endOfRun}, a character
     * still missing bytes is kept, since the next pieces may complete it; at the end of a run it is invalid.
     */
    void drainTo(StringBuilder out, boolean endOfRun) {
        int offset = 0;
        while (offset < length) {
            int need = sequenceLength(bytes[offset] & 0xFF);
            int available = Math.min(need, length - offset);
            if (available < need && !endOfRun && trailBytes(offset + 1, offset + available)) {
                break;
            }
            int codePoint = available == need ? codePoint(offset, need) : -1;
            if (codePoint < 0) {
                out.append(REPLACEMENT);
                offset++;
            } else {
                out.appendCodePoint(codePoint);
                offset += need;
            }
        }
        System.arraycopy(bytes, offset, bytes, 0, length - offset);
        length -= offset;
    }

    /** How many bytes a character starting with {@code lead} claims (1 for bytes that start none). */
    private static int sequenceLength(int lead) {
        if ((lead & 0xE0) == 0xC0) {
            return 2;
        }
        if ((lead & 0xF0) == 0xE0) {
            return 3;
        }
        return (lead & 0xF8) == 0xF0 ? 4 : 1;
    }

    private boolean trailBytes(int from, int to) {
        for (int i = from; i < to; i++) {
            if ((bytes[i] & 0xC0) != 0x80) {
                return false;
            }
        }
        return true;
    }

    /** The code point of the {@code count}-byte sequence at {@code offset}, or -1 where DecodeUTF8 rejects it. */
    private int codePoint(int offset, int count) {
        int lead = bytes[offset] & 0xFF;
        if (count == 1) {
            return lead < 0x80 ? lead : -1;
        }
        if (!trailBytes(offset + 1, offset + count)) {
            return -1;
        }
        int value = lead & (0x7F >> count);
        for (int i = 1; i < count; i++) {
            value = (value << 6) | (bytes[offset + i] & 0x3F);
        }
        int minimum = count == 2 ? 0x80 : count == 3 ? 0x800 : 0x10000;
        boolean valid = value >= minimum && value <= 0x10FFFF && (value < 0xD800 || value > 0xDFFF);
        return valid ? value : -1;
    }
}
