"""A restricted unpickler for LWM's `vqgan` file: `pickle.dump` of a (Flax) tree of numpy arrays.

A pickle can name any importable callable and call it with any arguments, so `pickle.load` of a downloaded file runs
whatever its author chose. This loader resolves only the globals that rebuild plain numeric numpy arrays, and even
those are never the real numpy callables: each resolves to a local stand-in that checks its arguments and builds the
array itself with `np.frombuffer`. What numpy emits per protocol (numpy 2.x spells the modules `numpy._core.*`,
numpy 1.x `numpy.core.*`):

- protocols 2-4: `multiarray._reconstruct(numpy.ndarray, (0,), b'b')`, then BUILD with
  `(1, shape, dtype, is_fortran, raw_bytes)`; `numpy.dtype('f4', False, True)` gets its byte order by BUILD
  `(3, '<', ...)`. Protocol 2 has no bytes type: raw data is `_codecs.encode(latin1_str, 'latin1')`, and an empty
  array's data is `builtins.bytes()` (`__builtin__.bytes` in protocol 2);
- protocol 5: `numeric._frombuffer(bytearray, dtype, shape, order)` with the data in-band;
- trees of Jax arrays: `jax._src.array._reconstruct_array(fun, args, state, aval_state)` around the numpy form, and
  Flax FrozenDicts: `flax.core.frozen_dict.FrozenDict(dict)` (LWM's file may hold either; neither is imported).

Dicts need no global at all (EMPTY_DICT / SETITEMS opcodes).
"""

from __future__ import annotations

import math
import os
import pickle
from typing import Any, BinaryIO

import numpy as np

# Plain numeric types only: object arrays would carry arbitrary Python objects, structured ones field tricks.
_DTYPE_CODES = {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"}
_MAX_RANK = 8
_MAX_DEPTH = 32


class PickleSecurityError(pickle.UnpicklingError):
    """The file names a global outside the allow-list, or calls an allowed one in a way numpy never does."""


class _Dtype:
    """`numpy.dtype(code, align, copy)`; BUILD gives it its byte order."""

    def __init__(self, code: Any, align: Any = False, copy: Any = True) -> None:
        if not isinstance(code, str) or code not in _DTYPE_CODES:
            raise PickleSecurityError(f"numpy dtype {code!r} is not allowed (only plain numeric types)")
        self.code = code
        self.byte_order = "|"

    def __setstate__(self, state: Any) -> None:
        # (version, byte order, subarray, names, fields, elsize, alignment, flags); structured dtypes have names.
        if not (isinstance(state, tuple) and len(state) >= 5 and isinstance(state[1], str)
                and state[2] is None and state[3] is None):
            raise PickleSecurityError("numpy.dtype state is not that of a plain (unstructured) dtype")
        self.byte_order = state[1]

    def to_numpy(self) -> np.dtype:
        dtype = np.dtype(self.code)
        # numpy writes '<' or '>' for multi-byte types and '|' for single bytes.
        if not (self.byte_order == "<" or (self.byte_order == "|" and dtype.itemsize == 1)):
            raise PickleSecurityError(f"numpy dtype {self.code} with byte order {self.byte_order!r}: "
                                      "only little-endian arrays are supported")
        return dtype.newbyteorder("<")


class _PendingArray:
    """What `_reconstruct` returns: an empty array until BUILD hands it shape, dtype and data."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        # (version, shape, dtype, is_fortran, data), or the same without the version
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if not (isinstance(state, tuple) and len(state) == 4 and isinstance(state[2], bool)):
            raise PickleSecurityError("ndarray state is not (version, shape, dtype, is_fortran, data)")
        shape, dtype, fortran, data = state
        self.array = _make_array(data, dtype, shape, fortran, self._limit)


def _make_array(data: Any, dtype: Any, shape: Any, fortran: bool, limit: int) -> np.ndarray:
    """A read-only array over `data`, after checking that the declared size matches it and is plausible."""
    if not isinstance(dtype, _Dtype):
        raise PickleSecurityError(f"array dtype is a {type(dtype).__name__}, not numpy.dtype")
    if not (isinstance(shape, tuple) and len(shape) <= _MAX_RANK
            and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        raise PickleSecurityError(f"array shape {shape!r} is not a tuple of at most {_MAX_RANK} non-negative ints")
    if not isinstance(data, (bytes, bytearray)):
        raise PickleSecurityError(f"array data is a {type(data).__name__}, not bytes")
    np_dtype = dtype.to_numpy()
    declared = math.prod(shape) * np_dtype.itemsize  # Python ints: no overflow however absurd the shape
    if declared > limit:
        raise PickleSecurityError(f"array of shape {shape} and type {np_dtype} declares {declared} bytes, "
                                  f"more than the whole file ({limit} bytes)")
    if declared != len(data):
        raise PickleSecurityError(f"array of shape {shape} and type {np_dtype} needs {declared} bytes "
                                  f"but carries {len(data)}")
    flat = np.frombuffer(data, dtype=np_dtype)
    return flat.reshape(shape, order="F" if fortran else "C")


class _Token:
    """A stand-in for one allowed global; calling it runs `call` on checked arguments, never numpy itself."""

    __slots__ = ("qualified", "_call")

    def __init__(self, qualified: str, call) -> None:
        self.qualified = qualified
        self._call = call

    def __call__(self, *args: Any) -> Any:
        return self._call(*args)

    def __setstate__(self, state: Any) -> None:
        # Without this, BUILD could overwrite the slots of a token the pickle resolved.
        raise PickleSecurityError(f"BUILD on {self.qualified} is not allowed")

    def __repr__(self) -> str:
        return self.qualified


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy-array trees from `file`; any other global raises PickleSecurityError naming it and `name`."""

    def __init__(self, file: BinaryIO, name: str, size: int) -> None:
        super().__init__(file)
        self._name = name
        self._size = size
        self._tokens = self._make_tokens()

    def _make_tokens(self) -> dict[str, _Token]:
        ndarray = _Token("numpy.ndarray", self._not_callable("numpy.ndarray"))
        reconstruct = _Token("numpy._core.multiarray._reconstruct",
                             lambda cls, shape, dtype: self._reconstruct(ndarray, cls, shape, dtype))
        dtype = _Token("numpy.dtype", _Dtype)
        frombuffer = _Token("numpy._core.numeric._frombuffer", self._frombuffer)
        tokens = {
            "numpy.ndarray": ndarray,
            "numpy.dtype": dtype,
            "numpy._core.multiarray._reconstruct": reconstruct,
            "numpy.core.multiarray._reconstruct": reconstruct,
            "numpy._core.numeric._frombuffer": frombuffer,
            "numpy.core.numeric._frombuffer": frombuffer,
            "_codecs.encode": _Token("_codecs.encode", _latin1),
            "builtins.bytes": _Token("builtins.bytes", _empty_bytes),
            "__builtin__.bytes": _Token("__builtin__.bytes", _empty_bytes),
            "flax.core.frozen_dict.FrozenDict": _Token("flax.core.frozen_dict.FrozenDict", _frozen_dict),
        }
        tokens["jax._src.array._reconstruct_array"] = _Token(
            "jax._src.array._reconstruct_array",
            lambda fun, args, state, aval_state: self._jax_array(reconstruct, fun, args, state))
        return tokens

    def find_class(self, module: str, name: str) -> Any:
        qualified = f"{module}.{name}"
        token = self._tokens.get(qualified)
        if token is None:
            shown = qualified if len(qualified) <= 200 else qualified[:200] + "..."
            raise PickleSecurityError(
                f"{self._name}: forbidden global '{shown}': only the globals that rebuild numpy arrays "
                "(numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, numpy.core.numeric._frombuffer, "
                "_codecs.encode, builtins.bytes), Jax arrays and Flax FrozenDicts are allowed")
        return token

    def persistent_load(self, pid: Any) -> Any:
        raise PickleSecurityError(f"{self._name}: persistent ids are not allowed")

    def _reconstruct(self, ndarray: _Token, cls: Any, shape: Any, dtype: Any) -> _PendingArray:
        if cls is not ndarray:
            raise PickleSecurityError(f"_reconstruct of {cls!r}: only numpy.ndarray")
        return _PendingArray(self._size)

    def _frombuffer(self, buffer: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
        if order not in ("C", "F"):
            raise PickleSecurityError(f"_frombuffer with order {order!r}")
        return _make_array(buffer, dtype, shape, order == "F", self._size)

    def _jax_array(self, reconstruct: _Token, fun: Any, args: Any, state: Any) -> _PendingArray:
        # A Jax array pickles its numpy value's __reduce__ triple, whose function is always _reconstruct.
        if fun is not reconstruct or not isinstance(args, tuple) or len(args) != 3:
            raise PickleSecurityError("jax array not reconstructed from a numpy array")
        pending = reconstruct(*args)
        pending.__setstate__(state)
        return pending

    @staticmethod
    def _not_callable(qualified: str):
        def fail(*args: Any) -> Any:
            raise PickleSecurityError(f"{qualified} may only be an argument of _reconstruct")
        return fail


def _latin1(text: Any, encoding: Any) -> bytes:
    """Protocol 2's bytes: `_codecs.encode(str, 'latin1')`, one byte per character."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise PickleSecurityError("_codecs.encode is only allowed as (str, 'latin1')")
    return text.encode("latin-1")


def _empty_bytes(*args: Any) -> bytes:
    if args:
        raise PickleSecurityError("builtins.bytes is only allowed without arguments")
    return b""


def _frozen_dict(*args: Any) -> dict:
    if len(args) != 1 or not isinstance(args[0], dict):
        raise PickleSecurityError("flax FrozenDict is only allowed around one dict")
    return args[0]


def load_array_tree(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Loads a pickled nested dict of numpy arrays; returns it flattened to '/'-joined names.

    Raises PickleSecurityError for a forbidden global and ValueError (naming the file) for anything malformed,
    truncated or not a dict of arrays.
    """
    name = os.fspath(path)
    size = os.path.getsize(name)
    with open(name, "rb") as f:
        try:
            root = RestrictedUnpickler(f, name, size).load()
        except PickleSecurityError as e:
            raise PickleSecurityError(e.args[0] if str(e).startswith(name) else f"{name}: {e}") from None
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError,
                AttributeError, UnicodeDecodeError) as e:
            raise ValueError(f"{name}: truncated or corrupt pickle ({type(e).__name__}: {e})") from e
        except MemoryError:
            # CPython allocates a BINBYTES8/BYTEARRAY8 opcode's declared length before reading it.
            raise ValueError(f"{name}: corrupt pickle: an object declares more bytes than memory holds "
                             f"(file is {size} bytes)") from None
    if not isinstance(root, dict):
        raise ValueError(f"{name}: pickled object is a {type(root).__name__}, not a dict of parameters")
    flat: dict[str, np.ndarray] = {}
    _flatten(name, root, "", 1, flat)
    if not flat:
        raise ValueError(f"{name}: the pickled dict holds no arrays")
    return flat


def _flatten(file: str, tree: dict, prefix: str, depth: int, out: dict[str, np.ndarray]) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError(f"{file}: dicts nested deeper than {_MAX_DEPTH} at '{prefix}'")
    for key, value in tree.items():
        if not isinstance(key, str) or not key or "/" in key:
            raise ValueError(f"{file}: key {key!r} under '{prefix}' is not a parameter name (a non-empty str "
                             "without '/')")
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(file, value, path, depth + 1, out)
        elif isinstance(value, _PendingArray):
            if value.array is None:
                raise ValueError(f"{file}: '{path}': numpy array was never given its data (no BUILD)")
            out[path] = value.array
        elif isinstance(value, np.ndarray):
            out[path] = value
        else:
            raise ValueError(f"{file}: '{path}' is a {type(value).__name__}, not a numpy array or a dict")
