package lwm.engine.weights;

import static lwm.engine.weights.TestData.assertBad;
import static lwm.engine.weights.TestData.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import lwm.engine.weights.TorchWriter.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class TorchBinFileTest {
    /**
     * Written by torch 1.13's torch.save: an OrderedDict with w (F16 [2,3] = 0, 0.5 .. 2.5), b (F32 [1,2,3,4]),
     * e (BF16 [-1, 0.5, 3]), tied (= w), view (= b[1:3], storage offset 1) and p (an nn.Parameter [7, 8]).
     */
    private static final String REAL_TORCH_FILE =
            "UEsDBAAACAgAAAAAAAAAAAAAAAAAAAAAAAANABUAcmVhbC9kYXRhLnBrbEZCEQBaWlpaWlpaWlpaWlpaWlpaWoACY2NvbGxlY3Rp"
            + "b25zCk9yZGVyZWREaWN0CnEAKVJxAShYAQAAAHdxAmN0b3JjaC5fdXRpbHMKX3JlYnVpbGRfdGVuc29yX3YyCnEDKChYBwAAAHN0"
            + "b3JhZ2VxBGN0b3JjaApIYWxmU3RvcmFnZQpxBVgBAAAAMHEGWAMAAABjcHVxB0sGdHEIUUsASwJLA4ZxCUsDSwGGcQqJaAApUnEL"
            + "dHEMUnENWAEAAABicQ5oAygoaARjdG9yY2gKRmxvYXRTdG9yYWdlCnEPWAEAAAAxcRBoB0sEdHERUUsASwSFcRJLAYVxE4loAClS"
            + "cRR0cRVScRZYAQAAAGVxF2gDKChoBGN0b3JjaApCRmxvYXQxNlN0b3JhZ2UKcRhYAQAAADJxGWgHSwN0cRpRSwBLA4VxG0sBhXEc"
            + "iWgAKVJxHXRxHlJxH1gEAAAAdGllZHEgaA1YBAAAAHZpZXdxIWgDKChoBGgPaBBoB0sEdHEiUUsBSwKFcSNLAYVxJIloAClScSV0"
            + "cSZScSdYAQAAAHBxKGN0b3JjaC5fdXRpbHMKX3JlYnVpbGRfcGFyYW1ldGVyCnEpaAMoKGgEaA9YAQAAADNxKmgHSwJ0cStRSwBL"
            + "AoVxLEsBhXEtiWgAKVJxLnRxL1JxMIhoAClScTGHcTJScTN1fXE0WAkAAABfbWV0YWRhdGFxNX1xNlgAAAAAcTd9cThYBwAAAHZl"
            + "cnNpb25xOUsBc3NzYi5QSwcIbdiHAiYCAAAmAgAAUEsDBAAACAgAAAAAAAAAAAAAAAAAAAAAAAALACEAcmVhbC9kYXRhLzBGQh0A"
            + "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWloAAAA4ADwAPgBAAEFQSwcIopGv7gwAAAAMAAAAUEsDBAAACAgAAAAAAAAAAAAA"
            + "AAAAAAAAAAALADsAcmVhbC9kYXRhLzFGQjcAWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa"
            + "WlpaWlpaWgAAgD8AAABAAABAQAAAgEBQSwcIVBSnixAAAAAQAAAAUEsDBAAACAgAAAAAAAAAAAAAAAAAAAAAAAALADcAcmVhbC9k"
            + "YXRhLzJGQjMAWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpagL8AP0BAUEsHCIaGd5QG"
            + "AAAABgAAAFBLAwQAAAgIAAAAAAAAAAAAAAAAAAAAAAAACwBBAHJlYWwvZGF0YS8zRkI9AFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa"
            + "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWloAAOBAAAAAQVBLBwik7U4qCAAAAAgAAABQSwMEAAAICAAAAAAA"
            + "AAAAAAAAAAAAAAAAAAwAPgByZWFsL3ZlcnNpb25GQjoAWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa"
            + "WlpaWlpaWlpaWlpaWlpaWjMKUEsHCNGeZ1UCAAAAAgAAAFBLAQIAAAAACAgAAAAAAABt2IcCJgIAACYCAAANAAAAAAAAAAAAAAAA"
            + "AAAAAAByZWFsL2RhdGEucGtsUEsBAgAAAAAICAAAAAAAAKKRr+4MAAAADAAAAAsAAAAAAAAAAAAAAAAAdgIAAHJlYWwvZGF0YS8w"
            + "UEsBAgAAAAAICAAAAAAAAFQUp4sQAAAAEAAAAAsAAAAAAAAAAAAAAAAA3AIAAHJlYWwvZGF0YS8xUEsBAgAAAAAICAAAAAAAAIaG"
            + "d5QGAAAABgAAAAsAAAAAAAAAAAAAAAAAYAMAAHJlYWwvZGF0YS8yUEsBAgAAAAAICAAAAAAAAKTtTioIAAAACAAAAAsAAAAAAAAA"
            + "AAAAAAAA1gMAAHJlYWwvZGF0YS8zUEsBAgAAAAAICAAAAAAAANGeZ1UCAAAAAgAAAAwAAAAAAAAAAAAAAAAAWAQAAHJlYWwvdmVy"
            + "c2lvblBLBgYsAAAAAAAAAB4DLQAAAAAAAAAAAAYAAAAAAAAABgAAAAAAAABZAQAAAAAAANIEAAAAAAAAUEsGBwAAAAArBgAAAAAA"
            + "AAEAAABQSwUGAAAAAAYABgBZAQAA0gQAAAAA";

    private static final List<Tensor> TENSORS = List.of(
            TorchWriter.contiguous("layers.0.weight", "HalfStorage", "0", 2, 3),
            TorchWriter.contiguous("layers.0.bias", "FloatStorage", "1", 3),
            TorchWriter.contiguous("norm", "BFloat16Storage", "2", 1, 4));

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("pytorch_model.bin");
    }

    private static List<Map.Entry<String, byte[]>> archive(byte[] pickle, byte[]... storages) {
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>();
        entries.add(Map.entry("archive/data.pkl", pickle));
        for (int i = 0; i < storages.length; i++) {
            entries.add(TorchWriter.storage("archive", Integer.toString(i), storages[i]));
        }
        entries.add(Map.entry("archive/version", "3\n".getBytes()));
        return entries;
    }

    private static byte[][] storages() {
        return new byte[][] {TestData.f16(0, 0.5f, 1, 1.5f, 2, 2.5f), TestData.f32(-1, 2, 3),
                TestData.bf16(1, 2, 3, 4)};
    }

    private Path write(byte[] pickle, boolean zip64) throws IOException {
        return Files.write(file(), TorchWriter.zip(archive(pickle, storages()), zip64));
    }

    private void assertStandardTensors(Checkpoint ckpt) throws IOException {
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "norm"), new ArrayList<>(ckpt.names()));
        RawTensor w = ckpt.tensor("layers.0.weight");
        assertEquals(DType.F16, w.dtype());
        assertArrayEquals(new long[] {2, 3}, w.shape());
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, floats(w));
        assertArrayEquals(new float[] {-1, 2, 3}, floats(ckpt.tensor("layers.0.bias")));
        RawTensor norm = ckpt.tensor("norm");
        assertEquals(DType.BF16, norm.dtype());
        assertArrayEquals(new long[] {1, 4}, norm.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4}, floats(norm));
    }

    @Test
    void readsAFileWrittenByTorch() throws IOException {
        Path f = Files.write(file(), Base64.getDecoder().decode(REAL_TORCH_FILE));
        try (TorchBinFile bin = TorchBinFile.open(f)) {
            assertEquals(List.of("w", "b", "e", "tied", "view", "p"), new ArrayList<>(bin.names()));
            assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, floats(bin.tensor("w")));
            assertArrayEquals(new long[] {2, 3}, bin.tensor("tied").shape());
            assertEquals(bin.tensor("w").data(), bin.tensor("tied").data());
            assertArrayEquals(new float[] {1, 2, 3, 4}, floats(bin.tensor("b")));
            assertArrayEquals(new float[] {-1, 0.5f, 3}, floats(bin.tensor("e")));
            assertEquals(DType.BF16, bin.tensor("e").dtype());
            assertArrayEquals(new float[] {2, 3}, floats(bin.tensor("view")));
            assertArrayEquals(new float[] {7, 8}, floats(bin.tensor("p")));
            assertTrue(bin.tensor("w").data().isDirect(), "storages are mapped, not copied");
        }
    }

    @Test
    void roundTripsAStateDictAsTorchWritesIt() throws IOException {
        try (TorchBinFile bin = TorchBinFile.open(write(TorchWriter.stateDictPickle(TENSORS), false))) {
            assertStandardTensors(bin);
        }
    }

    @Test
    void readsZip64Archives() throws IOException {
        byte[] zip = TorchWriter.zip(archive(TorchWriter.stateDictPickle(TENSORS), storages()), true);
        Path f = Files.write(file(), zip);
        try (ZipFile reference = new ZipFile(f.toFile())) { // the writer makes archives the JDK accepts too
            assertArrayEquals(TestData.f32(-1, 2, 3), reference.getInputStream(reference.getEntry("archive/data/1"))
                    .readAllBytes());
        }
        try (TorchBinFile bin = TorchBinFile.open(f)) {
            assertStandardTensors(bin);
        }
    }

    @Test
    void tensorsCrossingMappingWindowsComeOutWhole() throws IOException {
        for (long window : new long[] {1, 16, 70}) {
            try (TorchBinFile bin = TorchBinFile.open(write(TorchWriter.stateDictPickle(TENSORS), false), window)) {
                assertStandardTensors(bin);
            }
        }
    }

    @Test
    void unwrapsStateDictAndModelWrappers() throws IOException {
        for (String wrapper : List.of("state_dict", "model")) {
            try (TorchBinFile bin = TorchBinFile.open(write(TorchWriter.wrappedPickle(wrapper, TENSORS), false))) {
                assertStandardTensors(bin);
            }
        }
    }

    /** Protocol 4, as torch.save(pickle_protocol=4) writes: FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE. */
    private static PickleWriter protocolFourStateDict() {
        return new PickleWriter().proto(4).frame(10)
                .stackGlobal("collections", "OrderedDict").op(0x94).op(')').op('R').op(0x94).op('(')
                .shortStr("t").op(0x94)
                .stackGlobal("torch._utils", "_rebuild_tensor_v2").op(0x94)
                .op('(').op('(').shortStr("storage").stackGlobal("torch", "FloatStorage").str8("0")
                .shortStr("cpu").op(0x8a).op(1).op(3).op('t').op('Q')
                .op(0x8a).op(0).intTuple(3).intTuple(1).op(0x89)
                .op('h').op(0).op(')').op('R').op('t').op('R');
    }

    @Test
    void readsProtocolFourStateDict() throws IOException {
        byte[] pickle = protocolFourStateDict().op('u').op('.').toByteArray();
        Path f = Files.write(file(), TorchWriter.zip(archive(pickle, TestData.f32(4, 5, 6)), false));
        try (TorchBinFile bin = TorchBinFile.open(f)) {
            assertArrayEquals(new float[] {4, 5, 6}, floats(bin.tensor("t")));
        }
    }

    @Test
    void parsesOtherValueOpcodesButOnlyAcceptsTensorValues() throws IOException {
        // BININT2, BININT, LONG1 (negative), BINFLOAT, NONE, APPENDS and APPEND in a non-tensor entry.
        byte[] pickle = protocolFourStateDict()
                .shortStr("extra").op(']').op('(').integer(300).integer(70000).integer(-5).op(0x8a).op(1).op(0xfe)
                .binFloat(0.5).op('N').op('e').op(0x88).op('a')
                .op('u').op('.').toByteArray();
        Path f = Files.write(file(), TorchWriter.zip(archive(pickle, TestData.f32(4, 5, 6)), false));
        assertBad(f, () -> TorchBinFile.open(f), "tensor 'extra'", "value is a list, not a tensor");
    }

    private Path withGlobal(PickleWriter evil) throws IOException {
        return Files.write(file(), TorchWriter.zip(archive(evil.op('.').toByteArray()), false));
    }

    @Test
    void rejectsOsSystem() throws IOException {
        Path f = withGlobal(new PickleWriter().proto(2).global("os", "system").str("touch pwned").op(0x85).op('R'));
        assertBad(f, () -> TorchBinFile.open(f), "forbidden global 'os.system'");
        assertTrue(Files.notExists(Path.of("pwned")));
    }

    @Test
    void rejectsBuiltinsEvalThroughStackGlobal() throws IOException {
        Path f = withGlobal(new PickleWriter().proto(4).stackGlobal("builtins", "eval").shortStr("1").op(0x85)
                .op('R'));
        assertBad(f, () -> TorchBinFile.open(f), "forbidden global 'builtins.eval'");
    }

    @Test
    void rejectsPosixSystemInsideAStateDict() throws IOException {
        Path f = withGlobal(new PickleWriter().proto(2).op('}').str("x").global("posix", "system"));
        assertBad(f, () -> TorchBinFile.open(f), "forbidden global 'posix.system'", "data.pkl at byte");
    }

    @Test
    void rejectsUnknownStorageClass() throws IOException {
        Path f = withGlobal(new PickleWriter().proto(2).global("torch", "ComplexFloatStorage"));
        assertBad(f, () -> TorchBinFile.open(f), "unsupported storage class 'torch.ComplexFloatStorage'");
    }

    @Test
    void reportsAStorageReferenceToAMissingEntry() throws IOException {
        List<Tensor> tensors = List.of(TorchWriter.contiguous("w", "FloatStorage", "7", 2));
        Path f = write(TorchWriter.stateDictPickle(tensors), false);
        assertBad(f, () -> TorchBinFile.open(f), "tensor 'w'", "storage '7' not found", "archive/data/7");
    }

    @Test
    void reportsATensorOverflowingItsStorage() throws IOException {
        // Storage 1 holds 3 floats; the view asks for 2 elements from offset 2.
        List<Tensor> tensors = List.of(new Tensor("w", "FloatStorage", "1", 3, 2, new long[] {2}, new long[] {1}));
        Path f = write(TorchWriter.stateDictPickle(tensors), false);
        assertBad(f, () -> TorchBinFile.open(f), "tensor 'w'", "offset 2 + 2 elements overflows storage '1'");
    }

    @Test
    void reportsAStorageLargerThanItsEntry() throws IOException {
        List<Tensor> tensors = List.of(new Tensor("w", "FloatStorage", "1", 1L << 61, 0, new long[] {2},
                new long[] {1}));
        Path f = write(TorchWriter.stateDictPickle(tensors), false);
        assertBad(f, () -> TorchBinFile.open(f), "tensor 'w'", "storage '1' declares 2305843009213693952 F32",
                "holds only 12 bytes");
    }

    @Test
    void reportsNonContiguousTensors() throws IOException {
        List<Tensor> tensors = List.of(new Tensor("w", "HalfStorage", "0", 6, 0, new long[] {3, 2},
                new long[] {1, 3}));
        Path f = write(TorchWriter.stateDictPickle(tensors), false);
        assertBad(f, () -> TorchBinFile.open(f), "tensor 'w'", "strides [1, 3]", "not contiguous");
    }

    @Test
    void reportsAFileThatIsNotAZip() throws IOException {
        Path f = Files.write(file(), "\u0080\u0002 legacy torch pickle, not a zip".getBytes());
        assertBad(f, () -> TorchBinFile.open(f), "not a zip archive");
        Path empty = Files.write(file(), new byte[0]);
        assertBad(empty, () -> TorchBinFile.open(empty), "not a zip archive");
    }

    @Test
    void reportsAZipWithoutAPickle() throws IOException {
        Path f = Files.write(file(), TorchWriter.zip(List.of(Map.entry("archive/version", new byte[] {'3'})),
                false));
        assertBad(f, () -> TorchBinFile.open(f), "without a data.pkl");
    }

    @Test
    void reportsCompressedEntries() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(TorchWriter.stateDictPickle(TENSORS));
        }
        Path f = Files.write(file(), bytes.toByteArray());
        assertBad(f, () -> TorchBinFile.open(f), "zip entry 'archive/data.pkl' is compressed");
    }

    @Test
    void reportsATruncatedArchive() throws IOException {
        byte[] zip = TorchWriter.zip(archive(TorchWriter.stateDictPickle(TENSORS), storages()), true);
        Path f = Files.write(file(), java.util.Arrays.copyOf(zip, zip.length - 30));
        assertBad(f, () -> TorchBinFile.open(f), "not a zip archive");
        byte[] cut = java.util.Arrays.copyOfRange(zip, 200, zip.length); // directory offsets now point past the end
        Path g = Files.write(file(), cut);
        assertBad(g, () -> TorchBinFile.open(g), "outside the file");
    }

    @Test
    void reportsMalformedPickles() throws IOException {
        Path f = withGlobal(new PickleWriter().proto(2).op('}').op('h').op(9));
        assertBad(f, () -> TorchBinFile.open(f), "memo entry 9 was never stored");
        Path g = Files.write(file(), TorchWriter.zip(archive(new PickleWriter().proto(2).op('}').toByteArray()),
                false));
        assertBad(g, () -> TorchBinFile.open(g), "pickle truncated");
        Path h = withGlobal(new PickleWriter().proto(2).op('X').op(0x10).op(0).op(0).op(0));
        assertBad(h, () -> TorchBinFile.open(h), "length 16 runs past the end of the pickle");
        Path hh = withGlobal(new PickleWriter().proto(2).op('X').op(0xff).op(0xff).op(0xff).op(0x7f));
        assertBad(hh, () -> TorchBinFile.open(hh), "string of 2147483647 bytes exceeds the limit");
        Path i = withGlobal(new PickleWriter().proto(2).op('R'));
        assertBad(i, () -> TorchBinFile.open(i), "stack underflow");
        Path j = withGlobal(new PickleWriter().proto(2).op('I'));
        assertBad(j, () -> TorchBinFile.open(j), "unsupported pickle opcode 0x49");
        Path k = withGlobal(new PickleWriter().proto(2).op(']').op('}').op('s'));
        assertBad(k, () -> TorchBinFile.open(k), "stack underflow");
        Path l = withGlobal(new PickleWriter().proto(2).op('}').op(']').op('K').op(1).op('s'));
        assertBad(l, () -> TorchBinFile.open(l), "dict key of type list is not supported");
    }

    @Test
    void reportsAPickleThatIsNotAStateDict() throws IOException {
        Path f = withGlobal(new PickleWriter().proto(2).op(']'));
        assertBad(f, () -> TorchBinFile.open(f), "pickled object is a list, not a state_dict");
        // d = {}; d["model"] = d: unwrapping must stop.
        Path g = withGlobal(new PickleWriter().proto(2).op('}').put().str("model").get(0).op('s'));
        assertBad(g, () -> TorchBinFile.open(g), "nested more than");
    }

    @Test
    void boundsThePickleStack() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).op(']').put();
        for (int i = 0; i <= RestrictedUnpickler.MAX_STACK; i++) {
            p.get(0);
        }
        Path f = withGlobal(p);
        assertBad(f, () -> TorchBinFile.open(f), "stack exceeds");
    }
}
