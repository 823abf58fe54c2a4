package lwm.engine.vqgan;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lwm.engine.model.Precision;
import lwm.engine.weights.CheckpointException;
import lwm.engine.weights.DType;
import lwm.engine.weights.RawTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad weights gives a CheckpointException naming the file and, where there is one, the parameter. */
@Timeout(60)
class VqganWeightsErrorsTest {
    @TempDir
    Path dir;

    private static void assertBad(Map<String, RawTensor> tensors, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> VqganWeights.load(new MapCheckpoint(tensors), MapCheckpoint.FILE, Precision.F32).close());
        assertContains(e, MapCheckpoint.FILE.toString());
        for (String fragment : fragments) {
            assertContains(e, fragment);
        }
    }

    private void assertBadFile(byte[] content, String... fragments) throws IOException {
        Path file = dir.resolve("vqgan");
        Files.write(file, content);
        IOException e = assertThrows(IOException.class, () -> VqganWeights.load(file, Precision.F32).close());
        assertContains(e, file.toString());
        for (String fragment : fragments) {
            assertContains(e, fragment);
        }
    }

    private static void assertContains(Exception e, String fragment) {
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' not in: " + e.getMessage());
    }

    @Test
    void missingParameter() {
        Map<String, RawTensor> tensors = TinyVqgan.parameters(2);
        tensors.remove("decoder/UpsamplingBlock_0/ResnetBlock_1/Conv_1/bias");
        assertBad(tensors, "'decoder/UpsamplingBlock_0/ResnetBlock_1/Conv_1/bias'", "missing parameter");
        Map<String, RawTensor> noStem = TinyVqgan.parameters(2);
        noStem.remove("encoder/Conv_0/kernel");
        assertBad(noStem, "'encoder/Conv_0/kernel'", "missing parameter");
        Map<String, RawTensor> noCodebook = TinyVqgan.parameters(2);
        noCodebook.remove("quantize/embeddings");
        assertBad(noCodebook, "'quantize/embeddings'", "missing parameter");
    }

    @Test
    void wrongShape() {
        Map<String, RawTensor> tensors = TinyVqgan.parameters(2);
        String name = "encoder/DownsamplingBlock_1/ResnetBlock_0/GroupNorm_1/scale";
        tensors.put(name, TinyVqgan.f32(name, new float[31], 31));
        assertBad(tensors, "'" + name + "'", "shape [31] but the VQGAN needs [32]");
        Map<String, RawTensor> kernel = TinyVqgan.parameters(2);
        String conv = "decoder/Conv_1/kernel";
        kernel.put(conv, TinyVqgan.f32(conv, new float[3 * 3 * 32 * 4], 3, 3, 32, 4));
        assertBad(kernel, "'" + conv + "'", "shape [3, 3, 32, 4] but the VQGAN needs [3, 3, 32, 3]");
        Map<String, RawTensor> rank = TinyVqgan.parameters(2);
        rank.put("quantize/embeddings", TinyVqgan.f32("quantize/embeddings", new float[8], 8));
        assertBad(rank, "'quantize/embeddings'", "not a rank-2 shape");
    }

    @Test
    void unexpectedParameter() {
        Map<String, RawTensor> tensors = TinyVqgan.parameters(2);
        String name = "encoder/DownsamplingBlock_2/AttnBlock_0/q/kernel";
        tensors.put(name, TinyVqgan.f32(name, new float[4], 1, 1, 2, 2));
        assertBad(tensors, "'" + name + "'", "unexpected parameter", "attention blocks are not supported");
    }

    @Test
    void widthNotDivisibleIntoGroups() {
        Map<String, RawTensor> tensors = TinyVqgan.parameters(2);
        String name = "encoder/Conv_0/kernel";
        tensors.put(name, TinyVqgan.f32(name, new float[3 * 3 * 3 * 48], 3, 3, 3, 48));
        assertBad(tensors, "'encoder/Conv_0/kernel'", "width 48 cannot be split into 32 GroupNorm groups");
    }

    @Test
    void nonFloatParameter() {
        Map<String, RawTensor> tensors = TinyVqgan.parameters(2);
        String name = "post_quant_conv/bias";
        tensors.put(name, new RawTensor(name, DType.I32, new long[] {TinyVqgan.Z},
                ByteBuffer.allocate(4 * TinyVqgan.Z)));
        assertBad(tensors, "'" + name + "'", "I32 is not a float type");
    }

    @Test
    void fileThatIsNeitherFormat() throws IOException {
        assertBadFile("GIF89a, not weights".getBytes(StandardCharsets.US_ASCII), "neither a pickle");
        assertBadFile(new byte[0], "neither a pickle");
    }

    @Test
    void safetensorsWithoutTheParameters() throws IOException {
        byte[] header = "{}      ".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer file = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header);
        assertBadFile(file.array(), "'encoder/Conv_0/kernel'", "missing parameter");
    }

    @Test
    void pickleNamingForbiddenGlobals() throws IOException {
        // pickle.dumps of os.system("echo pwned") and eval("1") as LWM's vqgan file
        assertBadFile(pickle4(stackGlobal("os", "system"), shortStr("echo pwned"), op(0x85), op('R'), op('.')),
                "forbidden global 'os.system'");
        assertBadFile(pickle4(stackGlobal("builtins", "eval"), shortStr("1"), op(0x85), op('R'), op('.')),
                "forbidden global 'builtins.eval'");
        // protocol 2 spelling of the same: GLOBAL 'posix system'
        assertBadFile(concat(op(0x80), op(2), "cposix\nsystem\n".getBytes(StandardCharsets.US_ASCII), op('.')),
                "forbidden global 'posix.system'");
    }

    @Test
    void truncatedOrEmptyPickle() throws IOException {
        assertBadFile(pickle4(op('}'), shortStr("encoder")), "pickle truncated");
        assertBadFile(pickle4(op('}'), op('.')), "holds no arrays");
    }

    private static byte[] pickle4(byte[]... parts) {
        return concat(op(0x80), op(4), concat(parts));
    }

    private static byte[] stackGlobal(String module, String name) {
        return concat(shortStr(module), shortStr(name), op(0x93));
    }

    private static byte[] shortStr(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return concat(op(0x8c), op(utf8.length), utf8);
    }

    private static byte[] op(int code) {
        return new byte[] {(byte) code};
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
