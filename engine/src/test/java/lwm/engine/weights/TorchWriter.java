package lwm.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** Writes torch.save-style archives: a protocol-2 state_dict pickle and stored zip entries, optionally zip64. */
final class TorchWriter {
    /** A tensor viewing {@code numel} elements of storage {@code key} of class torch.{storageClass}. */
    record Tensor(String name, String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
    }

    private final PickleWriter p = new PickleWriter();
    private final Map<String, Integer> memo = new HashMap<>();

    private TorchWriter() {
    }

    /** A contiguous tensor owning its whole storage. */
    static Tensor contiguous(String name, String storageClass, String key, long... size) {
        long numel = 1;
        long[] stride = new long[size.length];
        for (int i = size.length - 1; i >= 0; i--) {
            stride[i] = numel;
            numel *= size[i];
        }
        return new Tensor(name, storageClass, key, numel, 0, size, stride);
    }

    /** The complete data.pkl for this state_dict. */
    static byte[] stateDictPickle(List<Tensor> tensors) {
        return new TorchWriter().proto().stateDict(tensors).stop();
    }

    /** data.pkl holding {wrapperKey: state_dict}, as training scripts save it. */
    static byte[] wrappedPickle(String wrapperKey, List<Tensor> tensors) {
        TorchWriter w = new TorchWriter().proto();
        w.p.op('}').put().str(wrapperKey).put();
        return w.stateDict(tensors).setItemAndStop();
    }

    private TorchWriter proto() {
        p.proto(2);
        return this;
    }

    private byte[] stop() {
        return p.op('.').toByteArray();
    }

    private byte[] setItemAndStop() {
        return p.op('s').op('.').toByteArray();
    }

    /** OrderedDict() REDUCE, MARK, (name, tensor)*, SETITEMS, then BUILD with its _metadata, as torch 1.13 writes. */
    private TorchWriter stateDict(List<Tensor> tensors) {
        global("collections", "OrderedDict");
        p.op(')').op('R').put().op('(');
        for (Tensor t : tensors) {
            p.str(t.name()).put();
            global("torch._utils", "_rebuild_tensor_v2");
            p.op('(').op('(');
            string("storage");
            global("torch", t.storageClass());
            p.str(t.key()).put();
            string("cpu");
            p.integer(t.numel()).op('t').put().op('Q');
            p.integer(t.offset()).intTuple(t.size()).put().intTuple(t.stride()).put().op(0x89);
            global("collections", "OrderedDict");
            p.op(')').op('R').put().op('t').put().op('R').put();
        }
        p.op('u');
        p.op('}').put().str("_metadata").put().op('}').put().str("").put().op('}').put()
                .str("version").put().integer(1).op('s').op('s').op('s').op('b');
        return this;
    }

    /** First use writes and memoizes; later uses fetch from the memo, like the pickler. */
    private void global(String module, String name) {
        memoized(module + "\n" + name, () -> p.global(module, name));
    }

    private void string(String s) {
        memoized("str:" + s, () -> p.str(s));
    }

    private void memoized(String key, Runnable write) {
        Integer index = memo.get(key);
        if (index != null) {
            p.get(index);
        } else {
            write.run();
            p.put();
            memo.put(key, p.lastMemo());
        }
    }

    /** Storage bytes of entry {@code folder/data/key}. */
    static Map.Entry<String, byte[]> storage(String folder, String key, byte[] data) {
        return Map.entry(folder + "/data/" + key, data);
    }

    /**
     * A zip of stored entries with data aligned to 64 bytes by an extra field, as torch's writer does. With
     * {@code forceZip64} every size and offset goes through zip64 extra fields and records.
     */
    static byte[] zip(List<Map.Entry<String, byte[]>> entries, boolean forceZip64) {
        int dataBytes = entries.stream().mapToInt(e -> e.getValue().length).sum();
        ByteBuffer out = ByteBuffer.allocate(dataBytes + (1 << 16)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer central = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, byte[]> e : entries) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] data = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            int localOffset = out.position();
            int zip64Local = forceZip64 ? 20 : 0;
            int padding = Math.floorMod(-(localOffset + 30 + name.length + zip64Local + 4), 64);
            out.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt((int) crc.getValue());
            putSizes(out, data.length, forceZip64);
            out.putShort((short) name.length).putShort((short) (zip64Local + 4 + padding)).put(name);
            if (forceZip64) {
                out.putShort((short) 1).putShort((short) 16).putLong(data.length).putLong(data.length);
            }
            out.putShort((short) 0x4246).putShort((short) padding).put(new byte[padding]).put(data);

            int zip64Central = forceZip64 ? 28 : 0;
            central.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt((int) crc.getValue());
            putSizes(central, data.length, forceZip64);
            central.putShort((short) name.length).putShort((short) zip64Central).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(forceZip64 ? -1 : localOffset).put(name);
            if (forceZip64) {
                central.putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(data.length)
                        .putLong(localOffset);
            }
        }
        int directoryOffset = out.position();
        int directorySize = central.position();
        out.put(central.flip());
        if (forceZip64) {
            int zip64Offset = out.position();
            out.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(entries.size()).putLong(entries.size()).putLong(directorySize).putLong(directoryOffset);
            out.putInt(0x07064b50).putInt(0).putLong(zip64Offset).putInt(1);
        }
        out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) (forceZip64 ? -1 : entries.size()))
                .putShort((short) (forceZip64 ? -1 : entries.size()))
                .putInt(forceZip64 ? -1 : directorySize).putInt(forceZip64 ? -1 : directoryOffset)
                .putShort((short) 0);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    private static void putSizes(ByteBuffer b, int size, boolean zip64) {
        b.putInt(zip64 ? -1 : size).putInt(zip64 ? -1 : size);
    }
}
