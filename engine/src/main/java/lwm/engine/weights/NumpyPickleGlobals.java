package lwm.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import lwm.engine.weights.RestrictedUnpickler.Bytes;
import lwm.engine.weights.RestrictedUnpickler.PickleException;
import lwm.engine.weights.RestrictedUnpickler.PythonObject;
import lwm.engine.weights.RestrictedUnpickler.Tuple;

/**
 * The globals of {@code pickle.dump} of a (Flax) tree of numpy arrays, as LWM's {@code vqgan} file was written. What
 * numpy emits per protocol (checked with numpy 2.4; numpy 1.x spells the modules {@code numpy.core.*}):
 * <ul>
 *   <li>protocols 2-4: {@code multiarray._reconstruct(numpy.ndarray, (0,), b'b')}, then BUILD with
 *       {@code (1, shape, dtype, is_fortran, raw_bytes)}; {@code numpy.dtype('f4', False, True)} gets its byte order
 *       by BUILD {@code (3, '<', ...)}. Protocol 2 has no bytes type: the raw data is
 *       {@code _codecs.encode(latin1_str, 'latin1')}, an empty array's {@code __builtin__.bytes()};</li>
 *   <li>protocol 5: {@code numeric._frombuffer(bytearray, dtype, shape, order)} with the data in-band;</li>
 *   <li>trees of Jax arrays: {@code jax._src.array._reconstruct_array(fun, args, state, aval_state)} wrapping the
 *       numpy form; Flax FrozenDicts: {@code flax.core.frozen_dict.FrozenDict(dict)}.</li>
 * </ul>
 * Nothing is imported or run: each allowed global is a token whose "call" builds a plain Java value.
 */
final class NumpyPickleGlobals implements RestrictedUnpickler.Globals {
    static final NumpyPickleGlobals INSTANCE = new NumpyPickleGlobals();

    private enum Callable implements PythonObject {
        RECONSTRUCT("numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct"),
        NDARRAY("numpy.ndarray"),
        DTYPE("numpy.dtype"),
        FROM_BUFFER("numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer"),
        CODECS_ENCODE("_codecs.encode"),
        BYTES("__builtin__.bytes", "builtins.bytes"),
        FROZEN_DICT("flax.core.frozen_dict.FrozenDict"),
        JAX_ARRAY("jax._src.array._reconstruct_array");

        final List<String> names;

        Callable(String... names) {
            this.names = List.of(names);
        }

        @Override
        public String pythonType() {
            return names.get(0);
        }
    }

    /** A numpy dtype: an array-protocol type code such as "f4", and the byte order BUILD gives it. */
    static final class Dtype implements PythonObject {
        final String code;
        private String byteOrder = "|";

        Dtype(String code) {
            this.code = code;
        }

        /** The checkpoint element type; only little-endian (or single-byte) plain numeric types qualify. */
        DType toDType() throws PickleException {
            DType type = switch (code) {
                case "f4" -> DType.F32;
                case "f2" -> DType.F16;
                case "f8" -> DType.F64;
                case "i8" -> DType.I64;
                case "i4" -> DType.I32;
                case "i2" -> DType.I16;
                case "i1" -> DType.I8;
                case "u1" -> DType.U8;
                case "b1" -> DType.BOOL;
                default -> throw new PickleException("numpy dtype '" + RestrictedUnpickler.abbreviate(code)
                        + "' is not supported (only plain float, int, uint8 and bool arrays)");
            };
            if (!byteOrder.equals("<") && !(byteOrder.equals("|") && type.byteSize() == 1)) {
                throw new PickleException("numpy dtype '" + code + "' with byte order '" + byteOrder
                        + "' is not supported (only little-endian)");
            }
            return type;
        }

        @Override
        public String pythonType() {
            return "numpy.dtype";
        }
    }

    /** An ndarray: empty after {@code _reconstruct} until BUILD gives it shape, dtype and data. */
    static final class NumpyArray implements PythonObject {
        private long[] shape;
        private Dtype dtype;
        private boolean fortranOrder;
        private ByteBuffer data;

        boolean isComplete() {
            return data != null;
        }

        long[] shape() {
            return shape.clone();
        }

        Dtype dtype() {
            return dtype;
        }

        /** The elements, little-endian; only for a complete array. */
        ByteBuffer data() {
            return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Fortran order is C order reversed; the two agree when at most one dimension exceeds 1. */
        boolean isFortranWithDifferentLayout() {
            int large = 0;
            for (long d : shape) {
                large += d > 1 ? 1 : 0;
            }
            return fortranOrder && large > 1;
        }

        private void set(Object shapeObject, Object dtypeObject, boolean fortran, Object dataObject)
                throws PickleException {
            if (!(shapeObject instanceof Tuple t) || !(dtypeObject instanceof Dtype d)
                    || !(dataObject instanceof Bytes b)) {
                throw new PickleException("ndarray state needs (shape tuple, numpy.dtype, raw bytes), found ("
                        + RestrictedUnpickler.typeName(shapeObject) + ", " + RestrictedUnpickler.typeName(dtypeObject)
                        + ", " + RestrictedUnpickler.typeName(dataObject) + ")");
            }
            if (t.items().size() > Shapes.MAX_RANK) {
                throw new PickleException("ndarray of rank " + t.items().size() + " exceeds " + Shapes.MAX_RANK);
            }
            long[] dims = new long[t.items().size()];
            for (int i = 0; i < dims.length; i++) {
                if (!(t.items().get(i) instanceof Long v) || v < 0) {
                    throw new PickleException("ndarray shape holds " + RestrictedUnpickler.typeName(t.items().get(i))
                            + ", not a non-negative int");
                }
                dims[i] = v;
            }
            this.shape = dims;
            this.dtype = d;
            this.fortranOrder = fortran;
            this.data = b.data();
        }

        @Override
        public String pythonType() {
            return "numpy.ndarray";
        }
    }

    private NumpyPickleGlobals() {
    }

    /** Protocol 2 carries array data as latin-1 str: allow any length the pickle itself can hold. */
    @Override
    public long maxStringBytes() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Object resolve(String module, String name) throws PickleException {
        String qualified = module + "." + name;
        for (Callable c : Callable.values()) {
            if (c.names.contains(qualified)) {
                return c;
            }
        }
        throw new PickleException("forbidden global '" + RestrictedUnpickler.abbreviate(qualified) + "': only the"
                + " globals that rebuild numpy arrays (numpy.core.multiarray._reconstruct, numpy.ndarray,"
                + " numpy.dtype, numpy.core.numeric._frombuffer, _codecs.encode, builtins.bytes), Jax arrays and Flax"
                + " FrozenDicts are allowed");
    }

    @Override
    public Object call(Object callable, List<Object> args) throws PickleException {
        if (!(callable instanceof Callable c)) {
            throw new PickleException(RestrictedUnpickler.typeName(callable) + " is not callable");
        }
        return switch (c) {
            case RECONSTRUCT -> {
                expect(args.size() == 3 && args.get(0) == Callable.NDARRAY, c, "(numpy.ndarray, shape, dtype)");
                yield new NumpyArray();
            }
            case DTYPE -> {
                expect(args.size() == 3 && args.get(0) instanceof String, c, "(type code, align, copy)");
                yield new Dtype((String) args.get(0));
            }
            case FROM_BUFFER -> fromBuffer(args);
            case CODECS_ENCODE -> latin1(args);
            case BYTES -> {
                expect(args.isEmpty(), c, "()");
                yield new Bytes(ByteBuffer.allocate(0).asReadOnlyBuffer());
            }
            case FROZEN_DICT -> {
                expect(args.size() == 1 && args.get(0) instanceof Map, c, "(dict)");
                yield args.get(0);
            }
            case JAX_ARRAY -> {
                // fun is what ndarray.__reduce__ names: always _reconstruct, which also keeps this from recursing
                expect(args.size() == 4 && args.get(0) == Callable.RECONSTRUCT && args.get(1) instanceof Tuple, c,
                        "(numpy _reconstruct, args, state, aval_state)");
                Object array = call(args.get(0), ((Tuple) args.get(1)).items());
                build(array, args.get(2));
                yield array;
            }
            case NDARRAY -> throw new PickleException("numpy.ndarray is only an argument of _reconstruct");
        };
    }

    /** {@code _frombuffer(buffer, dtype, shape, order)}: a complete array in one call (protocol 5). */
    private static NumpyArray fromBuffer(List<Object> args) throws PickleException {
        expect(args.size() == 4 && args.get(3) instanceof String, Callable.FROM_BUFFER,
                "(buffer, dtype, shape, order)");
        String order = (String) args.get(3);
        if (!order.equals("C") && !order.equals("F")) {
            throw new PickleException("numpy._core.numeric._frombuffer with order '"
                    + RestrictedUnpickler.abbreviate(order) + "'");
        }
        NumpyArray array = new NumpyArray();
        array.set(args.get(2), args.get(1), order.equals("F"), args.get(0));
        return array;
    }

    /** Protocol 2's bytes: {@code _codecs.encode(str, 'latin1')}, one byte per char. */
    private static Bytes latin1(List<Object> args) throws PickleException {
        expect(args.size() == 2 && args.get(0) instanceof String
                && ("latin1".equals(args.get(1)) || "latin-1".equals(args.get(1))), Callable.CODECS_ENCODE,
                "(str, 'latin1')");
        String s = (String) args.get(0);
        byte[] out = new byte[s.length()];
        for (int i = 0; i < out.length; i++) {
            char ch = s.charAt(i);
            if (ch > 0xff) {
                throw new PickleException("_codecs.encode: character U+" + Integer.toHexString(ch)
                        + " is not latin-1");
            }
            out[i] = (byte) ch;
        }
        return new Bytes(ByteBuffer.wrap(out).asReadOnlyBuffer());
    }

    @Override
    public void build(Object target, Object state) throws PickleException {
        if (target instanceof Dtype d) {
            // (version, byte order, subarray, names, fields, elsize, alignment, flags); structured dtypes have names
            if (!(state instanceof Tuple t) || t.items().size() < 5 || !(t.items().get(1) instanceof String order)
                    || t.items().get(2) != null || t.items().get(3) != null) {
                throw new PickleException("numpy.dtype state is not that of a plain (unstructured) dtype");
            }
            d.byteOrder = order;
        } else if (target instanceof NumpyArray a && !a.isComplete()) {
            // (version, shape, dtype, is_fortran, data), or the same without the version
            List<Object> s = state instanceof Tuple t ? t.items() : List.of();
            int base = s.size() == 5 ? 1 : 0;
            if (s.size() - base != 4 || !(s.get(base + 2) instanceof Boolean fortran)) {
                throw new PickleException("ndarray state is not (version, shape, dtype, is_fortran, data)");
            }
            a.set(s.get(base), s.get(base + 1), fortran, s.get(base + 3));
        } else {
            throw new PickleException("BUILD on " + RestrictedUnpickler.typeName(target) + " is not supported");
        }
    }

    private static void expect(boolean ok, Callable c, String signature) throws PickleException {
        if (!ok) {
            throw new PickleException(c.pythonType() + " called with arguments other than " + signature);
        }
    }
}
