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
 * Interprets a Python pickle without executing anything. Pickles are programs that may call any importable function;
 * this interpreter knows only the opcodes that torch.save and pickle.dump of numpy arrays emit, and a {@link Globals}
 * decides which globals may be named and what calling them builds (torch.save: {@link TorchPickleGlobals}, the
 * default; numpy parameter trees: {@link NumpyPickleGlobals}). Any other global (os.system, builtins.eval, ...) is
 * rejected as soon as it is named. Python values become: None → null, int → Long, float → Double, bool → Boolean,
 * str → String, bytes / bytearray → {@link Bytes}, list → ArrayList, tuple → {@link Tuple},
 * dict → LinkedHashMap; what a Globals builds is its own type.
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

    /** A bytes or bytearray object: a read-only view of the pickle's own bytes, never a copy. */
    record Bytes(ByteBuffer data) {
    }

    /** An object a {@link Globals} builds, with the Python type name that error messages show for it. */
    interface PythonObject {
        String pythonType();
    }

    /** A problem a {@link Globals} found; the unpickler prefixes the file, the entry and the byte offset. */
    static final class PickleException extends Exception {
        private static final long serialVersionUID = 1L;

        PickleException(String problem) {
            super(problem);
        }
    }

    /** The part that differs between kinds of pickle: which globals exist and what REDUCE and BUILD do with them. */
    interface Globals {
        /** The object {@code module.name} stands for; throws for every global this kind of pickle must not name. */
        Object resolve(String module, String name) throws PickleException;

        /** REDUCE: calls {@code callable} (whatever {@link #resolve} returned, or not callable at all). */
        Object call(Object callable, List<Object> args) throws PickleException;

        /** BUILD: gives {@code target} its pickled state. */
        void build(Object target, Object state) throws PickleException;

        /** BINPERSID: the object a persistent id refers to. */
        default Object persistentLoad(Object pid) throws PickleException {
            throw new PickleException("persistent id in a pickle that must not have any");
        }

        /** Longest str this kind of pickle may hold (bytes smuggled as latin-1 str in protocol 2 can be large). */
        default long maxStringBytes() {
            return MAX_STRING_BYTES;
        }
    }

    private final Path file;
    private final String entry;
    private final ByteBuffer in;
    private final Globals globals;
    private final List<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARK_DEPTH];
    private int markDepth;
    private final Map<Long, Object> memo = new HashMap<>();
    private int opcodeOffset;

    private RestrictedUnpickler(Path file, String entry, ByteBuffer pickle, Globals globals) {
        this.file = file;
        this.entry = entry;
        this.in = pickle.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.globals = globals;
    }

    /** The object a torch.save {@code data.pkl} holds; {@code entry} names the pickle inside {@code file}. */
    static Object load(Path file, String entry, byte[] pickle) throws CheckpointException {
        return load(file, entry, ByteBuffer.wrap(pickle), TorchPickleGlobals.INSTANCE);
    }

    /** The pickled object, with the globals {@code globals} allows; bytes objects are views of {@code pickle}. */
    static Object load(Path file, String entry, ByteBuffer pickle, Globals globals) throws CheckpointException {
        return new RestrictedUnpickler(file, entry, pickle, globals).run();
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
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> push(bytes(Integer.toUnsignedLong(int32()))); // BINBYTES
                case 0x8e -> push(bytes(int64())); // BINBYTES8
                case 0x96 -> push(bytes(int64())); // BYTEARRAY8 (protocol 5, in-band)
                case 0x97, 0x98 -> throw fail("out-of-band buffer (pickle protocol 5 buffer_callback): the data is"
                        + " not in the file");
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    push(delegate(() -> globals.persistentLoad(pid)));
                }
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
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object target = peek();
                    delegate(() -> {
                        globals.build(target, state);
                        return null;
                    });
                }
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
        if (Long.compareUnsigned(bytes, globals.maxStringBytes()) > 0) {
            throw fail("string of " + Long.toUnsignedString(bytes) + " bytes exceeds the limit of "
                    + globals.maxStringBytes());
        }
        byte[] utf8 = new byte[length(bytes)];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** The next {@code bytes} bytes as a read-only view: array data is never copied. */
    private Bytes bytes(long bytes) throws CheckpointException {
        int n = length(bytes);
        ByteBuffer view = in.slice(in.position(), n).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + n);
        return new Bytes(view);
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
        return delegate(() -> globals.resolve(module, name));
    }

    private Object call(Object callable, Object args) throws CheckpointException {
        if (!(args instanceof Tuple tuple)) {
            throw fail(typeName(callable) + " called with " + typeName(args) + " instead of an argument tuple");
        }
        return delegate(() -> globals.call(callable, tuple.items()));
    }

    /** One step of the {@link Globals}, its problems reported like the unpickler's own. */
    private interface Step {
        Object run() throws PickleException;
    }

    private Object delegate(Step step) throws CheckpointException {
        try {
            return step.run();
        } catch (PickleException e) {
            throw fail(e.getMessage());
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
        } else if (value instanceof Bytes) {
            return "bytes";
        } else if (value instanceof PythonObject o) {
            return o.pythonType();
        }
        return value.getClass().getSimpleName();
    }

    /** A global's name for messages, cut short: the name comes from the file. */
    static String abbreviate(String s) {
        return s.length() <= MAX_GLOBAL_NAME ? s : s.substring(0, MAX_GLOBAL_NAME) + "...";
    }

    private CheckpointException fail(String problem) {
        return CheckpointException.in(file, entry + " at byte " + opcodeOffset + ": " + problem);
    }
}
