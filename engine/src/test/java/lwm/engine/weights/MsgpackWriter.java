package lwm.engine.weights;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A msgpack packer choosing the smallest encodings, as Python's msgpack does, plus raw access for bad inputs. */
final class MsgpackWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    byte[] toByteArray() {
        return out.toByteArray();
    }

    MsgpackWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    MsgpackWriter arrayHeader(int n) {
        return n < 16 ? u(0x90 | n, 1) : n < 0x10000 ? u(0xdc, 1).u(n, 2) : u(0xdd, 1).u(n, 4);
    }

    MsgpackWriter mapHeader(int n) {
        return n < 16 ? u(0x80 | n, 1) : n < 0x10000 ? u(0xde, 1).u(n, 2) : u(0xdf, 1).u(n, 4);
    }

    MsgpackWriter str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int n = utf8.length;
        if (n < 32) {
            u(0xa0 | n, 1);
        } else if (n < 0x100) {
            u(0xd9, 1).u(n, 1);
        } else if (n < 0x10000) {
            u(0xda, 1).u(n, 2);
        } else {
            u(0xdb, 1).u(n, 4);
        }
        return raw(utf8);
    }

    MsgpackWriter strings(List<String> items) {
        arrayHeader(items.size());
        items.forEach(this::str);
        return this;
    }

    /** A bin header for a payload of {@code n} bytes (which may be a lie, for bad inputs). */
    MsgpackWriter binHeader(long n) {
        return n < 0x100 ? u(0xc4, 1).u(n, 1) : n < 0x10000 ? u(0xc5, 1).u(n, 2) : u(0xc6, 1).u(n, 4);
    }

    MsgpackWriter bin(byte[] payload) {
        return binHeader(payload.length).raw(payload);
    }

    MsgpackWriter extHeader(int type, long n) {
        int fixed = n == 1 ? 0xd4 : n == 2 ? 0xd5 : n == 4 ? 0xd6 : n == 8 ? 0xd7 : n == 16 ? 0xd8 : 0;
        if (fixed != 0) {
            u(fixed, 1);
        } else if (n < 0x100) {
            u(0xc7, 1).u(n, 1);
        } else if (n < 0x10000) {
            u(0xc8, 1).u(n, 2);
        } else {
            u(0xc9, 1).u(n, 4);
        }
        return u(type & 0xff, 1);
    }

    MsgpackWriter ext(int type, byte[] payload) {
        return extHeader(type, payload.length).raw(payload);
    }

    MsgpackWriter integer(long v) {
        if (v >= 0) {
            return v < 0x80 ? u(v, 1) : v < 0x100 ? u(0xcc, 1).u(v, 1) : v < 0x10000 ? u(0xcd, 1).u(v, 2)
                    : v < 0x1_0000_0000L ? u(0xce, 1).u(v, 4) : u(0xcf, 1).u(v, 8);
        }
        return v >= -32 ? u(v & 0xff, 1) : u(0xd3, 1).u(v, 8);
    }

    MsgpackWriter bool(boolean b) {
        return u(b ? 0xc3 : 0xc2, 1);
    }

    /** Big-endian unsigned of {@code bytes} bytes. */
    private MsgpackWriter u(long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }
}
