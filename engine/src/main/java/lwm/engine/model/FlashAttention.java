package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Causal attention through libtorch's fused CPU flash-attention kernel ({@code _scaled_dot_product_flash_attention_for_cpu},
 * the kernel behind transformers' SDPA on CPU): scores, softmax and the value product stay in cache tile by tile and
 * accumulate in F32, and masked key blocks are skipped. DJL's JNI has no binding for it, so it is reached through a
 * TorchScript module whose source ({@code causal_attention.py}, TorchScript's serialized dialect) is packed into a
 * TorchScript archive in memory at load time.
 *
 * <p>Queries at positions [start, start + count) see the cached keys [0, start) whole and their own keys causally: two
 * kernel calls (no mask needed) merged by their log-sum-exps; a first chunk or a single token is one call.
 */
final class FlashAttention implements AutoCloseable {
    private static final String NAME = "causal_attention";
    /** data.pkl: the module object, {@code __torch__.CausalAttention} with {@code training = True}, as torch.jit pickles it. */
    private static final byte[] DATA_PKL = ("\u0080\u0002c__torch__\nCausalAttention\nq\u0000)\u0081}(X\u0008\u0000\u0000\u0000"
            + "trainingq\u0001\u0088ubq\u0002.").getBytes(StandardCharsets.ISO_8859_1);
    /** constants.pkl: an empty tuple. */
    private static final byte[] CONSTANTS_PKL = {(byte) 0x80, 2, ')', '.'};

    private final PtSymbolBlock module;

    private FlashAttention(PtSymbolBlock module) {
        this.module = module;
    }

    /** The module on {@code manager}'s device, which must be a CPU of the PyTorch engine. */
    static FlashAttention load(NDManager manager) {
        try {
            ByteArrayOutputStream archive = new ByteArrayOutputStream();
            writeArchive(archive);
            InputStream in = new ByteArrayInputStream(archive.toByteArray());
            return new FlashAttention(JniUtils.loadModule((PtNDManager) manager, in, true, false));
        } catch (IOException e) {
            throw new UncheckedIOException("could not load the attention module " + NAME, e);
        }
    }

    /**
     * softmax(q·kᵀ, causal)·v for queries {@code q} (heads, count, headDim), already multiplied by 1/sqrt(headDim),
     * and the cached {@code keys} and {@code values} (heads, start + count, headDim); returns (count, heads · headDim).
     */
    NDArray apply(NDArray q, NDArray keys, NDArray values, int start) {
        long heads = q.getShape().get(0);
        long count = q.getShape().get(1);
        long headDim = q.getShape().get(2);
        try (IValue iq = tensor(q); IValue ik = tensor(keys); IValue iv = tensor(values); IValue is = IValue.from(start);
                IValue result = module.forward(iq, ik, iv, is)) {
            NDArray out = result.toTensor((PtNDManager) q.getManager()); // (1, heads, count, headDim)
            return out.squeeze(0).transpose(1, 0, 2).reshape(count, heads * headDim);
        }
    }

    private static IValue tensor(NDArray array) {
        return IValue.from((PtNDArray) array.expandDims(0));
    }

    private static void writeArchive(OutputStream target) throws IOException {
        byte[] code;
        try (InputStream in = FlashAttention.class.getResourceAsStream(NAME + ".py")) {
            if (in == null) {
                throw new IOException("resource " + NAME + ".py is missing from the engine jar");
            }
            code = in.readAllBytes();
        }
        try (ZipOutputStream zip = new ZipOutputStream(target)) {
            stored(zip, "data.pkl", DATA_PKL);
            stored(zip, "code/__torch__.py", code);
            stored(zip, "constants.pkl", CONSTANTS_PKL);
            stored(zip, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(zip, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** One uncompressed entry: torch's archive reader expects stored records. */
    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(NAME + "/" + name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    @Override
    public void close() {
        module.close();
    }
}
