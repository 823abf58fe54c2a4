package lwm.engine.weights;

import static lwm.engine.weights.TestData.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class StreamingParamsReaderTest {
    private static final List<String> WTE = List.of("transformer", "wte", "embedding");
    private static final List<String> WQ = List.of("transformer", "h", "scan_decoder", "attention", "wq", "kernel");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("params");
    }

    /** What a visitor saw of one record; it reads everything as floats. */
    private record Seen(List<String> keyPath, DType dtype, long[] shape, float[] values) {
    }

    private static List<Seen> readAll(Path file) throws IOException {
        List<Seen> seen = new ArrayList<>();
        StreamingParamsReader.read(file, (keyPath, dtype, shape, data) -> {
            FloatBuffer values = FloatBuffer.allocate((int) data.elementCount());
            data.readFloats(values, values.capacity());
            seen.add(new Seen(keyPath, dtype, shape, values.array()));
        });
        return seen;
    }

    /** 0, 0.5, 1, ... exact in every float type for small n. */
    private static float[] halves(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i / 2f;
        }
        return values;
    }

    @Test
    void roundTripsArraysOfEachFloatType() throws IOException {
        float[] v = halves(12);
        Path f = new ParamsWriter()
                .record(WTE, ParamsWriter.ndarray(new long[] {3, 4}, "bfloat16", TestData.bf16(v)))
                .record(List.of("lm_head", "kernel"), ParamsWriter.ndarray(new long[] {4, 3}, "float32",
                        TestData.f32(v)))
                .record(List.of("ln_f", "kernel"), ParamsWriter.ndarray(new long[] {12}, "float16", TestData.f16(v)))
                .record(List.of("scalar"), ParamsWriter.ndarray(new long[] {}, "float32", TestData.f32(3)))
                .write(file());
        List<Seen> seen = readAll(f);
        assertEquals(4, seen.size());
        assertEquals(WTE, seen.get(0).keyPath());
        assertEquals(DType.BF16, seen.get(0).dtype());
        assertArrayEquals(new long[] {3, 4}, seen.get(0).shape());
        assertArrayEquals(v, seen.get(0).values());
        assertEquals(DType.F32, seen.get(1).dtype());
        assertArrayEquals(v, seen.get(1).values());
        assertEquals(DType.F16, seen.get(2).dtype());
        assertArrayEquals(v, seen.get(2).values());
        assertArrayEquals(new long[] {}, seen.get(3).shape());
        assertArrayEquals(new float[] {3}, seen.get(3).values());
    }

    @Test
    void readsEveryExtAndBinSize() throws IOException {
        // fixext 16 (a float32 scalar's payload is exactly 16 bytes), ext 8, ext 16 / bin 16, ext 32 / bin 32.
        List<float[]> arrays = List.of(new float[0], halves(2), halves(40), halves(20_000));
        ParamsWriter w = new ParamsWriter();
        byte[] tiny = ParamsWriter.ndarrayPayload(new long[] {}, "float32", TestData.f32(3));
        assertEquals(16, tiny.length);
        w.record(List.of("fixext"), new MsgpackWriter().ext(1, tiny).toByteArray());
        for (float[] a : arrays) {
            w.record(List.of("n" + a.length), ParamsWriter.ndarray(new long[] {a.length}, "float32", TestData.f32(a)));
        }
        List<Seen> seen = readAll(w.write(file()));
        assertArrayEquals(new float[] {3}, seen.get(0).values());
        for (int i = 0; i < arrays.size(); i++) {
            assertArrayEquals(arrays.get(i), seen.get(i + 1).values());
        }
    }

    @Test
    void readsChunkedArraysAcrossChunkBoundaries() throws IOException {
        float[] v = halves(30);
        byte[] all = TestData.bf16(v);
        // Chunks of 7, 11 and 12 elements.
        List<byte[]> chunks = List.of(Arrays.copyOfRange(all, 0, 14), Arrays.copyOfRange(all, 14, 36),
                Arrays.copyOfRange(all, 36, 60));
        Path f = new ParamsWriter()
                .record(WQ, ParamsWriter.chunked(new long[] {3, 2, 5}, "bfloat16", 2, chunks))
                .record(WTE, ParamsWriter.ndarray(new long[] {1}, "float32", TestData.f32(9)))
                .write(file());
        List<float[]> reads = new ArrayList<>();
        StreamingParamsReader.read(f, (keyPath, dtype, shape, data) -> {
            if (keyPath.equals(WQ)) {
                assertEquals(DType.BF16, dtype);
                assertArrayEquals(new long[] {3, 2, 5}, shape);
                assertEquals(30, data.elementCount());
                // Reads of 4 straddle both chunk boundaries (7 and 18); a skip crosses one too.
                for (int count : new int[] {4, 4, 4, 4}) {
                    FloatBuffer dst = FloatBuffer.allocate(count);
                    data.readFloats(dst, count);
                    reads.add(dst.array());
                }
                data.skip(3);
                FloatBuffer rest = FloatBuffer.allocate(11);
                data.readFloats(rest, 11);
                reads.add(rest.array());
                assertEquals(0, data.remaining());
            } else {
                FloatBuffer one = FloatBuffer.allocate(1);
                data.readFloats(one, 1);
                reads.add(one.array());
            }
        });
        assertArrayEquals(Arrays.copyOfRange(v, 0, 4), reads.get(0));
        assertArrayEquals(Arrays.copyOfRange(v, 4, 8), reads.get(1));
        assertArrayEquals(Arrays.copyOfRange(v, 8, 12), reads.get(2));
        assertArrayEquals(Arrays.copyOfRange(v, 12, 16), reads.get(3));
        assertArrayEquals(Arrays.copyOfRange(v, 19, 30), reads.get(4));
        assertArrayEquals(new float[] {9}, reads.get(5));
    }

    @Test
    void readsOneLayerOfAStackedKernelAndSkipsTheRest() throws IOException {
        // (layers=4, in=3, out=5) stacked like scan_decoder kernels, chunked at a non-layer boundary.
        float[] v = halves(60);
        byte[] all = TestData.bf16(v);
        Path f = new ParamsWriter()
                .record(WQ, ParamsWriter.chunked(new long[] {4, 3, 5}, "bfloat16", 2,
                        List.of(Arrays.copyOfRange(all, 0, 44), Arrays.copyOfRange(all, 44, 120))))
                .record(WTE, ParamsWriter.ndarray(new long[] {2}, "float32", TestData.f32(5, 6)))
                .write(file());
        int layer = 2;
        int perLayer = 15;
        FloatBuffer slice = FloatBuffer.allocate(perLayer);
        List<List<String>> keys = new ArrayList<>();
        StreamingParamsReader.read(f, (keyPath, dtype, shape, data) -> {
            keys.add(keyPath);
            if (keyPath.equals(WQ)) {
                data.skip((long) layer * perLayer);
                data.readFloats(slice, perLayer);
            } // other arrays are left unread: the reader skips them
        });
        assertEquals(List.of(WQ, WTE), keys);
        assertArrayEquals(Arrays.copyOfRange(v, 30, 45), slice.array());
    }

    @Test
    void rejectsMisuseOfTheStream() throws IOException {
        Path f = new ParamsWriter().record(WTE, ParamsWriter.ndarray(new long[] {2}, "float32", TestData.f32(1, 2)))
                .record(List.of("ids"), ParamsWriter.ndarray(new long[] {1}, "int32", new byte[4]))
                .write(file());
        List<ArrayStream> escaped = new ArrayList<>();
        assertBad(f, () -> StreamingParamsReader.read(f, (keyPath, dtype, shape, data) -> {
            escaped.add(data);
            if (dtype == DType.F32) {
                assertThrows(IllegalArgumentException.class, () -> data.readFloats(FloatBuffer.allocate(3), 3));
                assertThrows(IllegalArgumentException.class, () -> data.readFloats(FloatBuffer.allocate(1), 2));
            } else {
                data.readFloats(FloatBuffer.allocate(1), 1);
            }
        }), "record ids", "I32 cannot be read as floats");
        assertThrows(IllegalStateException.class, () -> escaped.get(0).skip(0));
    }

    // ---- bad input: every message names the file, the record and the byte offset ----

    @Test
    void rejectsARecordThatIsNotAPair() throws IOException {
        Path f = new ParamsWriter().raw(new MsgpackWriter().arrayHeader(3).strings(WTE).bin(new byte[0])
                .integer(1).toByteArray()).write(file());
        assertBad(f, () -> readAll(f), "record starting at byte 0", "has 3 elements, expected [key_path, value]");
        Path g = new ParamsWriter().raw(new MsgpackWriter().mapHeader(0).toByteArray()).write(file());
        assertBad(g, () -> readAll(g), "record is a map, expected an array");
    }

    @Test
    void rejectsAKeyPathThatIsNotAListOfStrings() throws IOException {
        Path f = new ParamsWriter().raw(new MsgpackWriter().arrayHeader(2).str("transformer/wte")
                .bin(new byte[0]).toByteArray()).write(file());
        assertBad(f, () -> readAll(f), "byte offset 1", "key path is a str, expected an array");
        Path g = new ParamsWriter().raw(new MsgpackWriter().arrayHeader(2).arrayHeader(2).str("a").integer(0)
                .bin(new byte[0]).toByteArray()).write(file());
        assertBad(g, () -> readAll(g), "key path element 1 is an int, expected a str");
    }

    @Test
    void rejectsAValueThatIsNotBin() throws IOException {
        byte[] array = ParamsWriter.ndarray(new long[] {1}, "float32", TestData.f32(1));
        Path f = new ParamsWriter().raw(new MsgpackWriter().arrayHeader(2).strings(WTE).raw(array).toByteArray())
                .write(file());
        assertBad(f, () -> readAll(f), "record transformer/wte/embedding", "byte offset 28",
                "value is an ext, expected a bin");
        Path g = new ParamsWriter().record(WTE, new MsgpackWriter().str("oops").toByteArray()).write(file());
        assertBad(g, () -> readAll(g), "record transformer/wte/embedding",
                "value holds a str, expected a flax ndarray (ext 1) or a chunked-array map");
    }

    @Test
    void rejectsExtCodesOtherThanOne() throws IOException {
        byte[] payload = ParamsWriter.ndarrayPayload(new long[] {1}, "float32", TestData.f32(1));
        Path f = new ParamsWriter().record(WTE, new MsgpackWriter().ext(3, payload).toByteArray()).write(file());
        assertBad(f, () -> readAll(f), "record transformer/wte/embedding", "array is ext type 3, expected 1");
    }

    @Test
    void rejectsATruncatedFile() throws IOException {
        byte[] whole = Files.readAllBytes(new ParamsWriter()
                .record(WTE, ParamsWriter.ndarray(new long[] {8}, "float32", TestData.f32(halves(8))))
                .write(file()));
        Path f = Files.write(file(), Arrays.copyOf(whole, whole.length - 3));
        assertBad(f, () -> readAll(f), "record transformer/wte/embedding", "byte offset 30",
                "value needs 48 bytes but the file ends at byte " + (whole.length - 3), "truncated");
        Path g = Files.write(file(), Arrays.copyOf(whole, 10)); // inside the key path
        assertBad(g, () -> readAll(g), "record starting at byte 0", "file ends at byte 10");
    }

    @Test
    void rejectsATruncatedChunk() throws IOException {
        byte[] chunk = ParamsWriter.ndarray(new long[] {4}, "float32", TestData.f32(1, 2, 3, 4));
        MsgpackWriter value = new MsgpackWriter().mapHeader(3).str("__msgpack_chunked_array__").bool(true)
                .str("shape").mapHeader(1).str("0").integer(8)
                .str("chunks").mapHeader(2).str("0").raw(chunk).str("1")
                .raw(Arrays.copyOf(chunk, chunk.length - 6)); // the value ends inside chunk 1
        Path f = new ParamsWriter().record(WQ, value.toByteArray())
                .record(WTE, ParamsWriter.ndarray(new long[] {1}, "float32", TestData.f32(1))).write(file());
        assertBad(f, () -> readAll(f), "record transformer/h/scan_decoder/attention/wq/kernel", "byte offset",
                "chunk 1 needs 29 bytes but the enclosing value ends at byte", "truncated");
    }

    @Test
    void rejectsDataLengthDisagreeingWithDtypeAndShape() throws IOException {
        Path f = new ParamsWriter().record(WTE, ParamsWriter.ndarray(new long[] {2, 3}, "bfloat16",
                TestData.f32(halves(6)))).write(file());
        assertBad(f, () -> readAll(f), "record transformer/wte/embedding",
                "array data holds 24 bytes but bfloat16 [2, 3] needs 12");
    }

    @Test
    void rejectsChunksThatDoNotAddUpToTheShape() throws IOException {
        byte[] three = TestData.f32(1, 2, 3);
        Path f = new ParamsWriter().record(WQ, ParamsWriter.chunked(new long[] {2, 4}, "float32", 4,
                List.of(three, three))).write(file());
        assertBad(f, () -> readAll(f), "2 chunks hold 6 elements but shape [2, 4] needs 8");
        Path g = new ParamsWriter().record(WQ, ParamsWriter.chunked(new long[] {5}, "float32", 4,
                List.of(three, three))).write(file());
        assertBad(g, () -> readAll(g), "chunks hold more than the 5 elements of shape [5]");
    }

    @Test
    void rejectsMalformedChunkedMaps() throws IOException {
        byte[] chunk = ParamsWriter.ndarray(new long[] {2}, "float32", TestData.f32(1, 2));
        Path f = new ParamsWriter().record(WQ, new MsgpackWriter().mapHeader(2).str("shape").mapHeader(1)
                .str("0").integer(2).str("chunks").mapHeader(1).str("0").raw(chunk).toByteArray()).write(file());
        assertBad(f, () -> readAll(f), "'chunks' must be the last entry, after a true '__msgpack_chunked_array__'");
        Path g = new ParamsWriter().record(WQ, new MsgpackWriter().mapHeader(3).str("__msgpack_chunked_array__")
                .bool(true).str("shape").mapHeader(1).str("0").integer(2).str("chunks").mapHeader(1).str("1")
                .raw(chunk).toByteArray()).write(file());
        assertBad(g, () -> readAll(g), "chunk 0 has key '1'");
        byte[] bf16Chunk = ParamsWriter.ndarray(new long[] {2}, "bfloat16", TestData.bf16(1, 2));
        Path h = new ParamsWriter().record(WQ, ParamsWriter.chunked(new long[] {4}, "float32", 4, List.of()))
                .write(file());
        assertBad(h, () -> readAll(h), "chunked array without chunks");
        Path i = new ParamsWriter().record(WQ, new MsgpackWriter().mapHeader(3).str("__msgpack_chunked_array__")
                .bool(true).str("shape").mapHeader(1).str("0").integer(4).str("chunks").mapHeader(2)
                .str("0").raw(chunk).str("1").raw(bf16Chunk).toByteArray()).write(file());
        assertBad(i, () -> readAll(i), "chunk 1 is BF16 but earlier chunks are F32");
    }

    @Test
    void rejectsUnknownDtypes() throws IOException {
        Path f = new ParamsWriter().record(WTE, ParamsWriter.ndarray(new long[] {1}, "complex64", new byte[8]))
                .write(file());
        assertBad(f, () -> readAll(f), "record transformer/wte/embedding", "unknown numpy dtype 'complex64'");
    }

    @Test
    void rejectsTrailingBytesInAValue() throws IOException {
        byte[] array = ParamsWriter.ndarray(new long[] {1}, "float32", TestData.f32(1));
        byte[] padded = Arrays.copyOf(array, array.length + 2);
        Path f = new ParamsWriter().record(WTE, padded).write(file());
        assertBad(f, () -> readAll(f), "2 bytes of the value are left over");
    }
}
