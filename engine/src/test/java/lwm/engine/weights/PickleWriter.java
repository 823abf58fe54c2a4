package lwm.engine.weights;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits pickle opcodes one by one, as CPython's pickler does for torch.save. */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int nextMemo;

    byte[] toByteArray() {
        return out.toByteArray();
    }

    PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    PickleWriter proto(int protocol) {
        return op(0x80).op(protocol);
    }

    /** FRAME of the given length (protocol 4). */
    PickleWriter frame(long length) {
        op(0x95);
        return le(length, 8);
    }

    PickleWriter global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Protocol-4 style: module and name as short strings, then STACK_GLOBAL. */
    PickleWriter stackGlobal(String module, String name) {
        return shortStr(module).shortStr(name).op(0x93);
    }

    /** BINUNICODE. */
    PickleWriter str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        op('X').le(utf8.length, 4);
        out.writeBytes(utf8);
        return this;
    }

    /** SHORT_BINUNICODE. */
    PickleWriter shortStr(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        op(0x8c).op(utf8.length);
        out.writeBytes(utf8);
        return this;
    }

    /** BINUNICODE8. */
    PickleWriter str8(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        op(0x8d).le(utf8.length, 8);
        out.writeBytes(utf8);
        return this;
    }

    /** The smallest int opcode, like pickle.save_long. */
    PickleWriter integer(long v) {
        if (v >= 0 && v < 0x100) {
            return op('K').op((int) v);
        } else if (v >= 0 && v < 0x10000) {
            op('M');
            return le(v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return le(v, 4);
        }
        op(0x8a).op(8);
        return le(v, 8);
    }

    PickleWriter intTuple(long... values) {
        if (values.length == 0) {
            return op(')');
        }
        if (values.length > 3) {
            op('(');
        }
        for (long v : values) {
            integer(v);
        }
        return op(values.length == 1 ? 0x85 : values.length == 2 ? 0x86 : values.length == 3 ? 0x87 : 't');
    }

    PickleWriter binFloat(double v) {
        op('G');
        long bits = Double.doubleToRawLongBits(v);
        for (int i = 7; i >= 0; i--) {
            out.write((int) (bits >>> (8 * i)));
        }
        return this;
    }

    /** BINPUT under the next memo index, which is returned through {@link #lastMemo()}. */
    PickleWriter put() {
        return op('q').op(nextMemo++);
    }

    int lastMemo() {
        return nextMemo - 1;
    }

    PickleWriter get(int index) {
        return op('h').op(index);
    }

    private PickleWriter le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }
}
