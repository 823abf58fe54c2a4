"""LWM streaming msgpack checkpoint ("params" file), written and read without flax/jax.

File = concatenated msgpack records, each a 2-array [key_path, value] where key_path is an array of str
(flattened Flax path) and value is a msgpack bin holding flax.serialization.to_bytes(array):

  * array of at most `threshold` bytes: ExtType(1, packb([shape, "bfloat16", raw little-endian bytes]))
  * larger array: map {"__msgpack_chunked_array__": True, "shape": {"0": d0, ...}, "chunks": {"0": ext, ...}}
    whose chunks are flat 1-D ndarray exts of threshold // itemsize elements (last one shorter).

This is byte-for-byte what tux's StreamingCheckpointer writes with flax 0.8 (msgpack.Packer().pack((key,
to_bytes(x))), to_bytes = packb(tree, default=ext_pack, strict_types=True)), except that the real
threshold is flax's MAX_CHUNK_SIZE = 2**30 bytes and the fixtures use a small test-only one.
"""
from __future__ import annotations

import msgpack
import numpy as np

from .shapes import Shape

FLAX_MAX_CHUNK_SIZE = 2 ** 30
CHUNK_MARK = "__msgpack_chunked_array__"
SCAN = ("transformer", "h", "scan_decoder")


# ---------------------------------------------------------------- layout (HF <-> Jax)

def rope_perm(hidden: int, head_dim: int) -> np.ndarray:
    """idx[c] = HF (out,in) row that becomes Jax (in,out) output column c.

    Jax column h*hd + 2j + p  <-  HF row h*hd + p*(hd/2) + j   (inverse of EasyLM's permute).
    """
    half = head_dim // 2
    idx = np.empty(hidden, dtype=np.int64)
    for c in range(hidden):
        h, rem = divmod(c, head_dim)
        j, p = divmod(rem, 2)
        idx[c] = h * head_dim + p * half + j
    return idx


def hf_to_jax(sd: dict, shape: Shape) -> list:
    """HF state dict (float32 torch tensors) -> [(key_tuple, float32 ndarray)] in sorted key order."""
    L = shape.layers
    perm = rope_perm(shape.hidden, shape.head_dim)

    def w(name):
        return sd[name].numpy()

    def stack(fn):
        return np.ascontiguousarray(np.stack([fn(i) for i in range(L)], axis=0))

    lay = "model.layers.{}."
    out = {
        ("transformer", "wte", "embedding"): np.ascontiguousarray(w("model.embed_tokens.weight")),
        ("transformer", "ln_f", "kernel"): np.ascontiguousarray(w("model.norm.weight")),
        ("lm_head", "kernel"): np.ascontiguousarray(w("lm_head.weight").T),
        SCAN + ("attention", "wq", "kernel"): stack(lambda i: w(lay.format(i) + "self_attn.q_proj.weight")[perm, :].T),
        SCAN + ("attention", "wk", "kernel"): stack(lambda i: w(lay.format(i) + "self_attn.k_proj.weight")[perm, :].T),
        SCAN + ("attention", "wv", "kernel"): stack(lambda i: w(lay.format(i) + "self_attn.v_proj.weight").T),
        SCAN + ("attention", "wo", "kernel"): stack(lambda i: w(lay.format(i) + "self_attn.o_proj.weight").T),
        SCAN + ("feed_forward", "w1", "kernel"): stack(lambda i: w(lay.format(i) + "mlp.gate_proj.weight").T),
        SCAN + ("feed_forward", "w3", "kernel"): stack(lambda i: w(lay.format(i) + "mlp.up_proj.weight").T),
        SCAN + ("feed_forward", "w2", "kernel"): stack(lambda i: w(lay.format(i) + "mlp.down_proj.weight").T),
        SCAN + ("attention_norm", "kernel"): stack(lambda i: w(lay.format(i) + "input_layernorm.weight")),
        SCAN + ("ffn_norm", "kernel"): stack(lambda i: w(lay.format(i) + "post_attention_layernorm.weight")),
    }
    # jax flattens dicts in sorted key order, so a params tree saved by tux comes out sorted.
    return sorted(out.items())


def jax_to_hf(params: dict, shape: Shape) -> dict:
    """Inverse of hf_to_jax: {key_tuple: float32 ndarray} -> {HF name: float32 ndarray (out,in)}."""
    perm = rope_perm(shape.hidden, shape.head_dim)
    H = shape.hidden

    def unperm(k):  # (in, out) jax kernel -> HF (out, in)
        w = np.empty((H, H), dtype=np.float32)
        w[perm, :] = k.T
        return w

    sd = {
        "model.embed_tokens.weight": params[("transformer", "wte", "embedding")],
        "model.norm.weight": params[("transformer", "ln_f", "kernel")],
        "lm_head.weight": params[("lm_head", "kernel")].T,
    }
    for i in range(shape.layers):
        p = f"model.layers.{i}."
        g = lambda *k: params[SCAN + k][i]  # noqa: E731
        sd[p + "self_attn.q_proj.weight"] = unperm(g("attention", "wq", "kernel"))
        sd[p + "self_attn.k_proj.weight"] = unperm(g("attention", "wk", "kernel"))
        sd[p + "self_attn.v_proj.weight"] = g("attention", "wv", "kernel").T
        sd[p + "self_attn.o_proj.weight"] = g("attention", "wo", "kernel").T
        sd[p + "mlp.gate_proj.weight"] = g("feed_forward", "w1", "kernel").T
        sd[p + "mlp.up_proj.weight"] = g("feed_forward", "w3", "kernel").T
        sd[p + "mlp.down_proj.weight"] = g("feed_forward", "w2", "kernel").T
        sd[p + "input_layernorm.weight"] = g("attention_norm", "kernel")
        sd[p + "post_attention_layernorm.weight"] = g("ffn_norm", "kernel")
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


# ---------------------------------------------------------------- bf16 helpers

def f32_to_bf16_bits(a: np.ndarray) -> np.ndarray:
    """Upper 16 bits of each float32 (exact: the fixture values are bf16-representable)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    bits = a.view(np.uint32)
    if np.any(bits & 0xFFFF):
        raise ValueError("array is not bf16-exact")
    return (bits >> 16).astype("<u2")


def bf16_bits_to_f32(u16: np.ndarray) -> np.ndarray:
    return (u16.astype(np.uint32) << 16).view(np.float32)


# ---------------------------------------------------------------- writer (flax to_bytes emulation)

class _BF16:
    """Stand-in for a numpy bfloat16 ndarray (ml_dtypes/jax are not installed)."""

    def __init__(self, bits: np.ndarray):
        self.shape = tuple(int(d) for d in bits.shape)
        self.data = np.ascontiguousarray(bits, dtype="<u2").tobytes(order="C")


def _ext_pack(x):
    # flax _msgpack_ext_pack / _ndarray_to_bytes: ExtType(1, packb((shape, dtype.name, tobytes('C')))).
    if isinstance(x, _BF16):
        return msgpack.ExtType(1, msgpack.packb((x.shape, "bfloat16", x.data), use_bin_type=True))
    raise TypeError(f"cannot serialize {type(x)}")


def to_bytes_bf16(a: np.ndarray, threshold: int = FLAX_MAX_CHUNK_SIZE) -> tuple[bytes, int]:
    """flax.serialization.to_bytes(a.astype(bfloat16)) with MAX_CHUNK_SIZE = threshold.

    Returns (bytes, number of chunks; 0 = not chunked)."""
    bits = f32_to_bf16_bits(a)
    itemsize = 2
    if bits.size * itemsize > threshold:  # flax: v.size * v.dtype.itemsize > MAX_CHUNK_SIZE
        chunksize = max(1, int(threshold / itemsize))
        flat = bits.reshape(-1)
        chunks = [flat[i:i + chunksize] for i in range(0, flat.size, chunksize)]
        tree = {CHUNK_MARK: True,
                "shape": {str(i): d for i, d in enumerate(tuple(int(d) for d in bits.shape))},
                "chunks": {str(i): _BF16(c) for i, c in enumerate(chunks)}}
        n = len(chunks)
    else:
        tree = _BF16(bits)
        n = 0
    return msgpack.packb(tree, default=_ext_pack, strict_types=True), n


def write_params(path: str, records: list, threshold: int) -> dict:
    """Writes the streaming checkpoint; returns {"/".join(key): n_chunks}."""
    packer = msgpack.Packer()
    info = {}
    with open(path, "wb") as f:
        for key, arr in records:
            value, n = to_bytes_bf16(arr, threshold)
            f.write(packer.pack((tuple(key), value)))
            info["/".join(key)] = n
    return info


# ---------------------------------------------------------------- reader (independent of the writer)

def _ext_unpack(code, data):
    if code != 1:
        raise ValueError(f"unexpected msgpack ext type {code}")
    shape, dtype_name, buf = msgpack.unpackb(data, raw=True)
    if dtype_name == b"bfloat16":
        arr = bf16_bits_to_f32(np.frombuffer(buf, dtype="<u2"))
    else:
        arr = np.frombuffer(buf, dtype=np.dtype(dtype_name.decode()).newbyteorder("<")).astype(np.float32)
    return arr.reshape(shape)


def read_params(path: str) -> tuple[dict, dict]:
    """Reads a streaming checkpoint: ({key_tuple: float32 ndarray}, {"/".join(key): n_chunks})."""
    params, chunks = {}, {}
    with open(path, "rb") as f:
        unpacker = msgpack.Unpacker(f, raw=False, max_buffer_size=2 ** 31 - 1)
        for rec in unpacker:
            if not (isinstance(rec, list) and len(rec) == 2 and isinstance(rec[1], bytes)
                    and all(isinstance(k, str) for k in rec[0])):
                raise ValueError(f"malformed record: {type(rec)}")
            key = tuple(rec[0])
            value = msgpack.unpackb(rec[1], ext_hook=_ext_unpack, raw=False)
            if isinstance(value, dict):
                if value.get(CHUNK_MARK) is not True:
                    raise ValueError(f"{key}: unexpected map")
                shape = tuple(value["shape"][str(i)] for i in range(len(value["shape"])))
                parts = [value["chunks"][str(i)] for i in range(len(value["chunks"]))]
                if any(p.ndim != 1 for p in parts):
                    raise ValueError(f"{key}: chunk not 1-D")
                value_arr = np.concatenate(parts).reshape(shape)
                chunks["/".join(key)] = len(parts)
            else:
                value_arr = value
                chunks["/".join(key)] = 0
            if key in params:
                raise ValueError(f"duplicate key {key}")
            params[key] = value_arr
    return params, chunks
