package lwm.engine.weights;

import static lwm.engine.weights.TestData.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * LWM's {@code vqgan} format: pickle.dump of nested dicts of numpy arrays. The opcode streams below follow what
 * CPython 3.11 with numpy 2.4 emits for each protocol (pickletools.dis), with numpy 1.x module names where noted.
 */
@Timeout(10)
class PickledParamsFileTest {
    private static final byte[] KERNEL = TestData.f32(0, 1, 2, 3, 4, 5);
    private static final byte[] SCALE = TestData.f32(1.5f);

    @TempDir
    Path dir;

    private Path write(PickleWriter p) throws IOException {
        Path file = dir.resolve("vqgan");
        Files.write(file, p.op('.').toByteArray());
        return file;
    }

    /** BINBYTES / SHORT_BINBYTES with raw content. */
    private static PickleWriter bytes(PickleWriter p, byte[] data) {
        if (data.length < 256) {
            p.op('C').op(data.length);
        } else {
            p.op('B').op(data.length).op(data.length >>> 8).op(data.length >>> 16).op(data.length >>> 24);
        }
        for (byte b : data) {
            p.op(b & 0xff);
        }
        return p;
    }

    /** numpy.dtype(code, False, True) with BUILD (3, order, None, None, None, -1, -1, 0). */
    private static PickleWriter dtype(PickleWriter p, String code, String order) {
        p.stackGlobal("numpy", "dtype").shortStr(code).op(0x89).op(0x88).op(0x87).op('R');
        return p.op('(').integer(3).shortStr(order).op('N').op('N').op('N').integer(-1).integer(-1).integer(0)
                .op('t').op('b');
    }

    /** Protocol 2-4 array: _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, fortran, data). */
    private static PickleWriter array(PickleWriter p, String module, long[] shape, String code, String order,
            boolean fortran, byte[] data) {
        reconstruct(p, module);
        p.op('(').integer(1).intTuple(shape);
        dtype(p, code, order).op(fortran ? 0x88 : 0x89);
        return bytes(p, data).op('t').op('b');
    }

    private static PickleWriter reconstruct(PickleWriter p, String module) {
        p.stackGlobal(module, "_reconstruct").stackGlobal("numpy", "ndarray").intTuple(0);
        return bytes(p, new byte[] {'b'}).op(0x87).op('R');
    }

    private static PickleWriter f32(PickleWriter p, long[] shape, byte[] data) {
        return array(p, "numpy._core.multiarray", shape, "f4", "<", false, data);
    }

    /** {"encoder": {"Conv_0": {"kernel": [2, 3] ramp}}, "s": [1.5]} around the given array writers. */
    private static PickleWriter tree(PickleWriter p, UnaryOperator<PickleWriter> kernel,
            UnaryOperator<PickleWriter> scale) {
        p.op('}').op(0x94).op('(').shortStr("encoder").op('}').op('(').shortStr("Conv_0").op('}').op('(')
                .shortStr("kernel");
        kernel.apply(p).op('u').op('u').shortStr("s");
        return scale.apply(p).op('u');
    }

    private static void assertTensor(Checkpoint file, String name, long[] shape, byte[] data)
            throws CheckpointException {
        RawTensor t = file.tensor(name);
        assertEquals(DType.F32, t.dtype(), name);
        assertArrayEquals(shape, t.shape(), name);
        assertEquals(ByteBuffer.wrap(data), t.data(), name);
    }

    private void assertTree(Path file) throws IOException {
        try (PickledParamsFile params = PickledParamsFile.open(file)) {
            assertEquals(List.of("encoder/Conv_0/kernel", "s"), List.copyOf(params.names()));
            assertTensor(params, "encoder/Conv_0/kernel", new long[] {2, 3}, KERNEL);
            assertTensor(params, "s", new long[] {1}, SCALE);
            assertEquals(file, params.file("s"));
        }
    }

    @Test
    void protocol4AsPickleDumpWritesIt() throws IOException {
        assertTree(write(tree(new PickleWriter().proto(4).frame(0),
                p -> f32(p, new long[] {2, 3}, KERNEL), p -> f32(p, new long[] {1}, SCALE))));
    }

    @Test
    void numpy1ModuleNames() throws IOException {
        assertTree(write(tree(new PickleWriter().proto(4),
                p -> array(p, "numpy.core.multiarray", new long[] {2, 3}, "f4", "<", false, KERNEL),
                p -> array(p, "numpy.core.multiarray", new long[] {1}, "f4", "<", false, SCALE))));
    }

    /** Protocol 2 has no bytes: _codecs.encode(latin-1 str, 'latin1'); an empty array's data is bytes(). */
    @Test
    void protocol2LatinOneStrings() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).op('}').op('(').str("kernel");
        reconstruct2(p).op('(').integer(1).intTuple(2, 3);
        dtype2(p).op(0x89);
        p.global("_codecs", "encode").str(new String(KERNEL, StandardCharsets.ISO_8859_1)).str("latin1").op(0x86)
                .op('R').op('t').op('b');
        p.str("empty");
        reconstruct2(p).op('(').integer(1).intTuple(0);
        dtype2(p).op(0x89).global("__builtin__", "bytes").op(')').op('R').op('t').op('b').op('u');
        try (PickledParamsFile params = PickledParamsFile.open(write(p))) {
            assertTensor(params, "kernel", new long[] {2, 3}, KERNEL);
            assertTensor(params, "empty", new long[] {0}, new byte[0]);
        }
    }

    private static PickleWriter reconstruct2(PickleWriter p) {
        p.global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray").intTuple(0);
        return p.global("_codecs", "encode").str("b").str("latin1").op(0x86).op('R').op(0x87).op('R');
    }

    private static PickleWriter dtype2(PickleWriter p) {
        p.global("numpy", "dtype").str("f4").op(0x89).op(0x88).op(0x87).op('R');
        return p.op('(').integer(3).str("<").op('N').op('N').op('N').integer(-1).integer(-1).integer(0).op('t')
                .op('b');
    }

    /** Protocol 5: _frombuffer(bytearray, dtype, shape, order), the data in-band as BYTEARRAY8. */
    @Test
    void protocol5FromBuffer() throws IOException {
        assertTree(write(tree(new PickleWriter().proto(5), p -> fromBuffer(p, new long[] {2, 3}, KERNEL, "C"),
                p -> fromBuffer(p, new long[] {1}, SCALE, "C"))));
    }

    private static PickleWriter fromBuffer(PickleWriter p, long[] shape, byte[] data, String order) {
        p.stackGlobal("numpy._core.numeric", "_frombuffer").op('(').op(0x96);
        for (int i = 0; i < 8; i++) {
            p.op(i == 0 ? data.length : 0);
        }
        for (byte b : data) {
            p.op(b & 0xff);
        }
        dtype(p, "f4", "<").intTuple(shape).shortStr(order);
        return p.op('t').op('R');
    }

    /** Jax arrays pickle as _reconstruct_array(fun, args, state, aval_state); Flax FrozenDicts as FrozenDict(dict). */
    @Test
    void jaxArraysInAFrozenDict() throws IOException {
        PickleWriter p = new PickleWriter().proto(4).stackGlobal("flax.core.frozen_dict", "FrozenDict");
        tree(p, q -> jaxArray(q, new long[] {2, 3}, KERNEL), q -> jaxArray(q, new long[] {1}, SCALE));
        assertTree(write(p.op(0x85).op('R')));
    }

    private static PickleWriter jaxArray(PickleWriter p, long[] shape, byte[] data) {
        p.stackGlobal("jax._src.array", "_reconstruct_array").op('(');
        p.stackGlobal("numpy._core.multiarray", "_reconstruct"); // fun
        bytes(p.stackGlobal("numpy", "ndarray").intTuple(0), new byte[] {'b'}).op(0x87); // args
        p.op('(').integer(1).intTuple(shape);
        bytes(dtype(p, "f4", "<").op(0x89), data).op('t'); // the ndarray state
        p.op('}').shortStr("weak_type").op(0x89).op('s'); // aval_state
        return p.op('t').op('R');
    }

    @Test
    void forbiddenGlobalsAnywhereInTheTree() throws IOException {
        Path f = write(tree(new PickleWriter().proto(4),
                p -> p.stackGlobal("os", "system").shortStr("touch pwned").op(0x85).op('R'),
                p -> f32(p, new long[] {1}, SCALE)));
        assertBad(f, () -> PickledParamsFile.open(f), "forbidden global 'os.system'", "pickle at byte");
        Path g = write(new PickleWriter().proto(2).global("builtins", "eval").str("1").op(0x85).op('R'));
        assertBad(g, () -> PickledParamsFile.open(g), "forbidden global 'builtins.eval'");
        Path h = write(new PickleWriter().proto(4).stackGlobal("numpy", "load").shortStr("x.npy").op(0x85).op('R'));
        assertBad(h, () -> PickledParamsFile.open(h), "forbidden global 'numpy.load'");
        Path i = write(new PickleWriter().proto(4).stackGlobal("torch._utils", "_rebuild_tensor_v2"));
        assertBad(i, () -> PickledParamsFile.open(i), "forbidden global 'torch._utils._rebuild_tensor_v2'");
    }

    @Test
    void unsupportedArrays() throws IOException {
        assertBadArray(p -> array(p, "numpy._core.multiarray", new long[] {2, 3}, "f4", ">", false, KERNEL),
                "'encoder/Conv_0/kernel'", "byte order '>'");
        assertBadArray(p -> array(p, "numpy._core.multiarray", new long[] {2, 3}, "O", "|", false, KERNEL),
                "'encoder/Conv_0/kernel'", "numpy dtype 'O' is not supported");
        assertBadArray(p -> array(p, "numpy._core.multiarray", new long[] {2, 3}, "f4", "<", true, KERNEL),
                "'encoder/Conv_0/kernel'", "Fortran-ordered");
        assertBadArray(p -> array(p, "numpy._core.multiarray", new long[] {2, 4}, "f4", "<", false, KERNEL),
                "'encoder/Conv_0/kernel'", "24 bytes of data for F32 [2, 4] (32 bytes)");
        assertBadArray(p -> reconstruct(p, "numpy._core.multiarray"), "'encoder/Conv_0/kernel'",
                "never given its data");
        assertBadArray(p -> p.integer(7), "'encoder/Conv_0/kernel'", "value is a int, not a numpy array");
        assertBadArray(p -> fromBuffer(p, new long[] {2, 3}, KERNEL, "K"), "_frombuffer with order 'K'");
    }

    @Test
    void fortranOrderOfAVectorIsFine() throws IOException {
        assertTree(write(tree(new PickleWriter().proto(4),
                p -> array(p, "numpy._core.multiarray", new long[] {2, 3}, "f4", "<", false, KERNEL),
                p -> array(p, "numpy._core.multiarray", new long[] {1}, "f4", "<", true, SCALE))));
    }

    private void assertBadArray(UnaryOperator<PickleWriter> kernel, String... fragments)
            throws IOException {
        Path f = write(tree(new PickleWriter().proto(4), kernel, p -> f32(p, new long[] {1}, SCALE)));
        assertBad(f, () -> PickledParamsFile.open(f), fragments);
    }

    @Test
    void malformedTrees() throws IOException {
        Path list = write(new PickleWriter().proto(4).op(']'));
        assertBad(list, () -> PickledParamsFile.open(list), "pickled object is a list, not a dict of parameters");
        Path empty = write(new PickleWriter().proto(4).op('}'));
        assertBad(empty, () -> PickledParamsFile.open(empty), "holds no arrays");
        Path slash = write(new PickleWriter().proto(4).op('}').shortStr("a/b").op('}').op('s'));
        assertBad(slash, () -> PickledParamsFile.open(slash), "key 'a/b'", "not a parameter name");
        Path number = write(new PickleWriter().proto(4).op('}').integer(3).op('}').op('s'));
        assertBad(number, () -> PickledParamsFile.open(number), "key of type int");
        // A dict that contains itself: {"a": <itself>}
        Path cycle = write(new PickleWriter().proto(4).op('}').op(0x94).shortStr("a").get(0).op('s'));
        assertBad(cycle, () -> PickledParamsFile.open(cycle), "nested deeper than " + PickledParamsFile.MAX_DEPTH);
    }

    @Test
    void truncatedAndOutOfBand() throws IOException {
        byte[] whole = tree(new PickleWriter().proto(4), p -> f32(p, new long[] {2, 3}, KERNEL),
                p -> f32(p, new long[] {1}, SCALE)).op('.').toByteArray();
        for (int cut : new int[] {1, 40, whole.length / 2, whole.length - 1}) {
            Path f = dir.resolve("cut" + cut);
            Files.write(f, Arrays.copyOf(whole, cut));
            String message = assertBad(f, () -> PickledParamsFile.open(f), "pickle at byte").getMessage();
            assertTrue(message.contains("pickle truncated") || message.contains("runs past the end"), message);
        }
        Path oob = write(new PickleWriter().proto(5).op(0x97));
        assertBad(oob, () -> PickledParamsFile.open(oob), "out-of-band buffer");
    }
}
