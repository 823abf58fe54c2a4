package lwm.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code data.pkl} of a torch.save archive without executing anything. Python pickles are programs that may
 * call any importable function; this interpreter knows only the opcodes torch.save emits and resolves only the globals
 * needed to rebuild a state_dict of tensors. Any other global (os.system, builtins.eval, ...) is rejected as soon as it
 * is named. Python values become: None → null, int → Long, float → Double, bool → Boolean, str → String,
 * list → ArrayList, tuple → {@link Tuple}, dict / OrderedDict → LinkedHashMap, tensor → {@link TorchTensor}.
 */
final class RestrictedUnpickler {
    static final int MAX_STACK = 1 << 20;
    static final int MAX_MEMO = 1 << 20;
    static final int MAX_MARK_DEPTH = 1 << 12;
    static final int MAX_STRING_BYTES = 1 << 24;
    private static final int MAX_GLOBAL_NAME = 256;
    private static final int HIGHEST_PROTOCOL = 5;

    /** A Python tuple, kept apart from lists because tuples are immutable and the two mean different things here. */
    record Tuple(List<Object> items) {
    }

    /** The persistent id ('storage', torch.XStorage, key, location, numel): entry {@code data/<key>} of the archive. */
    record TorchStorage(DType dtype, String key, long numel) {
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}; offset and stride count elements. */
    record TorchTensor(TorchStorage storage, long offset, long[] size, long[] stride) {
    }

    /** The callables this unpickler allows. */
    private enum Callable {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter");

        final String qualifiedName;

        Callable(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    /** A torch storage class such as torch.HalfStorage: only ever a persistent-id field, never called. */
    private record StorageClass(DType dtype) {
    }

    private final Path file;
    private final String entry;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARK_DEPTH];
    private int markDepth;
    private final Map<Long, Object> memo = new HashMap<>();
    private int opcodeOffset;

    private RestrictedUnpickler(Path file, String entry, byte[] pickle) {
        this.file = file;
        this.entry = entry;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The pickled object; {@code entry} names the pickle inside {@code file} for messages. */
    static Object load(Path file, String entry, byte[] pickle) throws CheckpointException {
        return new RestrictedUnpickler(file, entry, pickle).run();
    }

    private Object run() throws CheckpointException {
        while (true) {
            opcodeOffset = in.position();
            int opcode = u8();
            switch (opcode) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol > HIGHEST_PROTOCOL) {
                        throw fail("unsupported pickle protocol " + protocol);
                    }
                }
                case 0x95 -> length(int64()); // FRAME: only a read-ahead hint, the data is inline
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case '(' -> mark(); // MARK
                case 'X' -> push(string(Integer.toUnsignedLong(int32()))); // BINUNICODE
                case 0x8c -> push(string(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(string(int64())); // BINUNICODE8
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    String name = popString();
                    push(global(popString(), name));
                }
                case 'Q' -> push(persistentLoad(pop())); // BINPERSID
                case 't' -> push(tuple(popMark())); // TUPLE
                case 0x85 -> push(tuple(popN(1))); // TUPLE1
                case 0x86 -> push(tuple(popN(2))); // TUPLE2
                case 0x87 -> push(tuple(popN(3))); // TUPLE3
                case 'J' -> push((long) int32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) u16()); // BININT2
                case 0x8a -> push(long1()); // LONG1
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'N' -> push(null); // NONE
                case 'R' -> { // REDUCE
                    Object args = pop();
                    push(call(pop(), args));
                }
                case 'b' -> build(pop(), peek()); // BUILD
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek()).put(dictKey(key), value);
                }
                case 'u' -> setItems(popMark()); // SETITEMS
                case 'a' -> { // APPEND
                    Object value = pop();
                    list(peek()).add(value);
                }
                case 'e' -> { // APPENDS
                    List<Object> values = popMark();
                    list(peek()).addAll(values);
                }
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(Integer.toUnsignedLong(int32())); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(Integer.toUnsignedLong(int32()))); // LONG_BINGET
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(int64()))); // BINFLOAT, big-endian
                case '.' -> { // STOP
                    if (stack.size() != 1 || markDepth != 0) {
                        throw fail("STOP with " + stack.size() + " objects on the stack");
                    }
                    return stack.get(0);
                }
                default -> throw fail(String.format("unsupported pickle opcode 0x%02x", opcode));
            }
        }
    }

    // ---- reading the opcode stream (every read is bounded by the pickle's length) ----

    private void need(long bytes) throws CheckpointException {
        if (bytes > in.remaining()) {
            throw fail("pickle truncated: needs " + bytes + " more bytes, " + in.remaining() + " left");
        }
    }

    private int u8() throws CheckpointException {
        need(1);
        return Byte.toUnsignedInt(in.get());
    }

    private int u16() throws CheckpointException {
        need(2);
        return Short.toUnsignedInt(in.getShort());
    }

    private int int32() throws CheckpointException {
        need(4);
        return in.getInt();
    }

    private long int64() throws CheckpointException {
        need(8);
        return in.getLong();
    }

    /** Checks a length field against what is left; returns it. */
    private int length(long bytes) throws CheckpointException {
        if (bytes < 0 || bytes > in.remaining()) {
            throw fail("length " + Long.toUnsignedString(bytes) + " runs past the end of the pickle");
        }
        return (int) bytes;
    }

    private String string(long bytes) throws CheckpointException {
        if (bytes > MAX_STRING_BYTES) {
            throw fail("string of " + Long.toUnsignedString(bytes) + " bytes exceeds the limit of "
                    + MAX_STRING_BYTES);
        }
        byte[] utf8 = new byte[length(bytes)];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** A newline-terminated name, as GLOBAL writes module and attribute. */
    private String line() throws CheckpointException {
        int start = in.position();
        for (int i = start; i < in.limit() && i - start <= MAX_GLOBAL_NAME; i++) {
            if (in.get(i) == '\n') {
                byte[] ascii = new byte[i - start];
                in.get(ascii);
                in.get();
                return new String(ascii, StandardCharsets.UTF_8);
            }
        }
        throw fail("GLOBAL name is unterminated or longer than " + MAX_GLOBAL_NAME + " bytes");
    }

    private Long long1() throws CheckpointException {
        int n = u8();
        if (n > 8) {
            throw fail("integer of " + n + " bytes does not fit in 64 bits");
        }
        need(n);
        long value = 0;
        for (int i = 0; i < n; i++) {
            value |= (long) Byte.toUnsignedInt(in.get()) << (8 * i);
        }
        if (n > 0 && n < 8 && (value & (1L << (8 * n - 1))) != 0) {
            value |= -1L << (8 * n); // two's complement sign extension
        }
        return value;
    }

    // ---- the stack and the memo ----

    private void push(Object value) throws CheckpointException {
        if (stack.size() >= MAX_STACK) {
            throw fail("pickle stack exceeds " + MAX_STACK + " objects");
        }
        stack.add(value);
    }

    private int base() {
        return markDepth == 0 ? 0 : marks[markDepth - 1];
    }

    private Object pop() throws CheckpointException {
        if (stack.size() <= base()) {
            throw fail("pickle stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws CheckpointException {
        if (stack.size() <= base()) {
            throw fail("pickle stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private String popString() throws CheckpointException {
        Object value = pop();
        if (!(value instanceof String s)) {
            throw fail("expected a str, found " + typeName(value));
        }
        return s;
    }

    private void mark() throws CheckpointException {
        if (markDepth == MAX_MARK_DEPTH) {
            throw fail("MARKs nested deeper than " + MAX_MARK_DEPTH);
        }
        marks[markDepth++] = stack.size();
    }

    /** Everything pushed since the last MARK, which is removed. */
    private List<Object> popMark() throws CheckpointException {
        if (markDepth == 0) {
            throw fail("no MARK on the stack");
        }
        int from = marks[--markDepth];
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private List<Object> popN(int n) throws CheckpointException {
        if (stack.size() - base() < n) {
            throw fail("pickle stack underflow");
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void memoPut(long index) throws CheckpointException {
        if (!memo.containsKey(index) && memo.size() >= MAX_MEMO) {
            throw fail("pickle memo exceeds " + MAX_MEMO + " entries");
        }
        memo.put(index, peek());
    }

    private Object memoGet(long index) throws CheckpointException {
        if (!memo.containsKey(index)) {
            throw fail("memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    // ---- objects ----

    private static Tuple tuple(List<Object> items) {
        return new Tuple(Collections.unmodifiableList(items));
    }

    private Object global(String module, String name) throws CheckpointException {
        String qualified = module + "." + name;
        for (Callable c : Callable.values()) {
            if (c.qualifiedName.equals(qualified)) {
                return c;
            }
        }
        if (module.equals("torch") && name.endsWith("Storage")) {
            try {
                return new StorageClass(DType.fromTorchStorage(name));
            } catch (CheckpointException e) {
                throw fail("unsupported storage class '" + abbreviate(qualified) + "'");
            }
        }
        throw fail("forbidden global '" + abbreviate(qualified) + "': only the globals that rebuild tensors"
                + " (collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage) are allowed");
    }

    private TorchStorage persistentLoad(Object pid) throws CheckpointException {
        if (pid instanceof Tuple t && t.items().size() == 5 && "storage".equals(t.items().get(0))
                && t.items().get(1) instanceof StorageClass storageClass
                && t.items().get(2) instanceof String key
                && t.items().get(4) instanceof Long numel && numel >= 0) {
            return new TorchStorage(storageClass.dtype(), key, numel);
        }
        throw fail("persistent id is not ('storage', torch.XStorage, key, location, numel)");
    }

    private Object call(Object callable, Object argsObject) throws CheckpointException {
        if (!(callable instanceof Callable c)) {
            throw fail(typeName(callable) + " is not callable");
        }
        if (!(argsObject instanceof Tuple tuple)) {
            throw fail(c.qualifiedName + " called with " + typeName(argsObject) + " instead of an argument tuple");
        }
        List<Object> args = tuple.items();
        return switch (c) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) {
                    throw fail("collections.OrderedDict called with arguments");
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> rebuildTensor(args);
            case REBUILD_PARAMETER -> {
                if (args.size() != 3 || !(args.get(0) instanceof TorchTensor data)) {
                    throw fail("torch._utils._rebuild_parameter expects (tensor, requires_grad, hooks)");
                }
                yield data;
            }
        };
    }

    /** (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private TorchTensor rebuildTensor(List<Object> args) throws CheckpointException {
        if (args.size() < 6 || args.size() > 7 || !(args.get(0) instanceof TorchStorage storage)
                || !(args.get(1) instanceof Long offset) || offset < 0
                || !(args.get(2) instanceof Tuple size) || !(args.get(3) instanceof Tuple stride)
                || size.items().size() != stride.items().size() || size.items().size() > Shapes.MAX_RANK) {
            throw fail("torch._utils._rebuild_tensor_v2 expects (storage, offset >= 0, size, stride of the same"
                    + " rank, requires_grad, backward_hooks)");
        }
        return new TorchTensor(storage, offset, longs(size, "size"), longs(stride, "stride"));
    }

    private long[] longs(Tuple tuple, String what) throws CheckpointException {
        long[] values = new long[tuple.items().size()];
        for (int i = 0; i < values.length; i++) {
            if (!(tuple.items().get(i) instanceof Long value) || value < 0) {
                throw fail("tensor " + what + " holds " + typeName(tuple.items().get(i))
                        + ", not a non-negative int");
            }
            values[i] = value;
        }
        return values;
    }

    /** BUILD sets instance state; only dicts get any (an OrderedDict's _metadata), and it is not needed. */
    private void build(Object state, Object target) throws CheckpointException {
        if (!(target instanceof Map)) {
            throw fail("BUILD on " + typeName(target) + " is not supported");
        }
        if (state != null && !(state instanceof Map)) {
            throw fail("BUILD with " + typeName(state) + " state is not supported");
        }
    }

    private void setItems(List<Object> items) throws CheckpointException {
        if (items.size() % 2 != 0) {
            throw fail("SETITEMS with an odd number of objects");
        }
        Map<Object, Object> dict = dict(peek());
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(dictKey(items.get(i)), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object value) throws CheckpointException {
        if (!(value instanceof LinkedHashMap)) {
            throw fail("expected a dict, found " + typeName(value));
        }
        return (Map<Object, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value) throws CheckpointException {
        if (!(value instanceof ArrayList)) {
            throw fail("expected a list, found " + typeName(value));
        }
        return (List<Object>) value;
    }

    /** Scalars only: containers as keys could be self-referencing and make hashing recurse without end. */
    private Object dictKey(Object key) throws CheckpointException {
        if (key == null || key instanceof String || key instanceof Long || key instanceof Boolean
                || key instanceof Double) {
            return key;
        }
        throw fail("dict key of type " + typeName(key) + " is not supported");
    }

    /** Python's name for a value's type; never the value itself, which may be huge or self-referencing. */
    static String typeName(Object value) {
        if (value == null) {
            return "None";
        } else if (value instanceof String) {
            return "str";
        } else if (value instanceof Long) {
            return "int";
        } else if (value instanceof Boolean) {
            return "bool";
        } else if (value instanceof Double) {
            return "float";
        } else if (value instanceof Map) {
            return "dict";
        } else if (value instanceof List) {
            return "list";
        } else if (value instanceof Tuple) {
            return "tuple";
        } else if (value instanceof Callable c) {
            return c.qualifiedName;
        } else if (value instanceof StorageClass s) {
            return "torch storage class " + s.dtype();
        } else if (value instanceof TorchStorage) {
            return "storage";
        } else if (value instanceof TorchTensor) {
            return "tensor";
        }
        return value.getClass().getSimpleName();
    }

    private static String abbreviate(String s) {
        return s.length() <= MAX_GLOBAL_NAME ? s : s.substring(0, MAX_GLOBAL_NAME) + "...";
    }

    private CheckpointException fail(String problem) {
        return CheckpointException.in(file, entry + " at byte " + opcodeOffset + ": " + problem);
    }
}
