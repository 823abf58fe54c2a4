package lwm.engine.weights;

import static lwm.engine.weights.TestData.assertBad;
import static lwm.engine.weights.TestData.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lwm.engine.weights.SafetensorsWriter.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class SafetensorsFileTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("model.safetensors");
    }

    private static String tensorJson(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    @Test
    void roundTripsFloatTypesAsZeroCopySlices() throws IOException {
        SafetensorsWriter.write(file(), List.of(
                new Entry("a.f32", "F32", new long[] {2, 3}, TestData.f32(1.5f, -2, 3, 4, 5, 6.25f)),
                new Entry("b.f16", "F16", new long[] {4}, TestData.f16(0.5f, -1, 65504, 0)),
                new Entry("c.bf16", "BF16", new long[] {1, 3}, TestData.bf16(-3, 0x1p100f, 0.15625f)),
                new Entry("d.i64", "I64", new long[] {2}, TestData.i64(7, -8)),
                new Entry("e.scalar", "F32", new long[] {}, TestData.f32(42))));
        try (SafetensorsFile st = SafetensorsFile.open(file())) {
            assertEquals(List.of("a.f32", "b.f16", "c.bf16", "d.i64", "e.scalar"), new ArrayList<>(st.names()));
            RawTensor a = st.tensor("a.f32");
            assertEquals(DType.F32, a.dtype());
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertArrayEquals(new float[] {1.5f, -2, 3, 4, 5, 6.25f}, floats(a));
            assertTrue(a.data().isDirect() && a.data().isReadOnly(), "a mapped slice, not a copy");
            assertEquals(ByteOrder.LITTLE_ENDIAN, a.data().order());
            assertArrayEquals(new float[] {0.5f, -1, 65504, 0}, floats(st.tensor("b.f16")));
            assertArrayEquals(new float[] {-3, 0x1p100f, 0.15625f}, floats(st.tensor("c.bf16")));
            RawTensor d = st.tensor("d.i64");
            assertEquals(-8, d.data().getLong(8));
            assertArrayEquals(new float[] {42}, floats(st.tensor("e.scalar")));
            assertEquals(file(), st.file("a.f32"));
            st.close();
            assertThrows(IllegalStateException.class, () -> st.tensor("a.f32"));
            assertEquals(ByteBuffer.wrap(TestData.f32(1.5f, -2, 3, 4, 5, 6.25f)), a.data(),
                    "tensors handed out stay readable after close");
        }
    }

    @Test
    void tensorsCrossingMappingWindowsComeOutWhole() throws IOException {
        // Sizes 4..120 bytes against 64-byte windows: tensors straddle every would-be window edge, some exceed it.
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = 1 + (i * 7) % 30;
            float[] values = new float[n];
            for (int j = 0; j < n; j++) {
                values[j] = i * 100 + j;
            }
            entries.add(new Entry("t" + i, "F32", new long[] {n}, TestData.f32(values)));
        }
        SafetensorsWriter.write(file(), entries);
        for (long window : new long[] {1, 64, 100}) {
            try (SafetensorsFile st = SafetensorsFile.open(file(), window)) {
                for (Entry e : entries) {
                    assertEquals(ByteBuffer.wrap(e.data()), st.tensor(e.name()).data(), e.name());
                }
            }
        }
    }

    @Test
    void servesTensorsBeyondFourGibibytesAndRejectsOnesOverTwo() throws IOException {
        // A sparse file: a 3 GB tensor (too big for one buffer), then a small one at an offset above 4 GiB.
        long big = 3_000_000_000L;
        long gap = 1_500_000_000L;
        String header = "{" + tensorJson("big", "U8", "[" + big + "]", 0, big) + ","
                + tensorJson("tail", "F32", "[2]", big + gap, big + gap + 8) + "}";
        Path f = SafetensorsWriter.writeRaw(file(), header, new byte[0]);
        long dataStart = Files.size(f);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(dataStart + big + gap);
            raf.write(TestData.f32(1.25f, -7));
        }
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {1.25f, -7}, floats(st.tensor("tail")));
            assertBad(f, () -> st.tensor("big"), "tensor 'big'", "too large for one buffer");
        }
    }

    @Test
    void unknownTensorNameIsAnError() throws IOException {
        SafetensorsWriter.write(file(), List.of(new Entry("x", "F32", new long[] {1}, TestData.f32(1))));
        try (SafetensorsFile st = SafetensorsFile.open(file())) {
            assertBad(file(), () -> st.tensor("y"), "tensor 'y'", "no such tensor");
        }
    }

    @Test
    void truncatedDataIsReported() throws IOException {
        SafetensorsWriter.write(file(), List.of(new Entry("x", "F32", new long[] {4}, TestData.f32(1, 2, 3, 4))));
        byte[] whole = Files.readAllBytes(file());
        Files.write(file(), java.util.Arrays.copyOf(whole, whole.length - 5));
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "beyond the data section", "truncated");
    }

    @Test
    void fileShorterThanTheLengthFieldIsTruncated() throws IOException {
        Files.write(file(), new byte[] {1, 2, 3});
        assertBad(file(), () -> SafetensorsFile.open(file()), "truncated");
    }

    @Test
    void headerLengthBeyondTheFileIsReported() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put("{}      "
                .getBytes(StandardCharsets.US_ASCII));
        Files.write(file(), b.array());
        assertBad(file(), () -> SafetensorsFile.open(file()), "header length 1000", "beyond the end of the file");
    }

    @Test
    void absurdHeaderLengthIsRejectedBeforeAllocating() throws IOException {
        Files.write(file(), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-2).array());
        assertBad(file(), () -> SafetensorsFile.open(file()), "header length 18446744073709551614", "limit");
    }

    @Test
    void offsetsOutsideTheDataAreReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F32", "[4]", 1000, 1016) + "}", new byte[16]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "[1000, 1016]",
                "beyond the data section of 16 bytes");
    }

    @Test
    void reversedOffsetsAreReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F32", "[1]", 8, 4) + "}", new byte[16]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "reversed");
    }

    @Test
    void overlappingTensorsAreReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("a", "F32", "[4]", 0, 16) + ","
                + tensorJson("b", "F32", "[2]", 8, 16) + "}", new byte[16]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "'a' [0, 16]", "'b' [8, 16]", "overlap");
    }

    @Test
    void byteSizeDisagreeingWithDtypeAndShapeIsReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F16", "[2,3]", 0, 16) + "}", new byte[16]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "byte size 16",
                "disagrees with F16 [2, 3] = 12 bytes");
    }

    @Test
    void overflowingShapeIsReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F32", "[4294967296,4294967296]", 0, 16) + "}",
                new byte[16]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "too large");
    }

    @Test
    void unknownDtypeIsReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F8_E4M3", "[4]", 0, 4) + "}", new byte[4]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "unknown safetensors dtype 'F8_E4M3'");
    }

    @Test
    void malformedHeadersAreReported() throws IOException {
        SafetensorsWriter.writeRaw(file(), "{\"x\": [", new byte[0]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "header is not valid JSON");
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F32", "[1]", 0, 4) + ","
                + tensorJson("x", "F32", "[1]", 4, 8) + "}", new byte[8]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "Duplicate field 'x'");
        SafetensorsWriter.writeRaw(file(), "{" + tensorJson("x", "F32", "[1.5]", 0, 4) + "}", new byte[4]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "tensor 'x'", "shape holds 1.5");
        SafetensorsWriter.writeRaw(file(), "[1, 2]", new byte[0]);
        assertBad(file(), () -> SafetensorsFile.open(file()), "header is not a JSON object");
    }
}
