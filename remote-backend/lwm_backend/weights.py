"""Loads model weights into one internal layout (reference/lwm.md §7).

Internal layout (what model.py consumes), numpy arrays:
  wte (V,H), vte (Vv,H), lm_head (H,V), vision_head (H,Vv), ln_f (H,),
  layers: wq wk wv wo (L,H,H), w1 w3 (L,H,I), w2 (L,I,H), attn_norm ffn_norm (L,H)
Kernels are (in, out) and layers are stacked on axis 0, as in LWM's scanned params. RoPE is applied in HF's
rotate-half layout, so the q/k output columns of Jax checkpoints (LWM's interleaved pairs) are permuted at load.

Formats: HF safetensors (config.json + model*.safetensors, optionally sharded with an index; F32/BF16/F16),
LWM's streaming msgpack `params` (+ lwm_config.json), and safetensors holding the Jax tree by its `/`-joined keys
(stacked `h/scan_decoder` or per-layer `h/<i>`).
"""
from __future__ import annotations

import json
import os
import struct

import ml_dtypes
import numpy as np

from .config import (HF_CONFIG_FILE, JAX_CONFIG_FILE, ModelConfig, hf_config, jax_settings)

LAYER_KEYS = ("wq", "wk", "wv", "wo", "w1", "w2", "w3", "attn_norm", "ffn_norm")
_DTYPES = {"bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float16": np.float16,
           "BF16": ml_dtypes.bfloat16, "F32": np.float32, "F16": np.float16}
MAX_SAFETENSORS_HEADER = 100 << 20
MAX_KEY_PATH = 256
MAX_KEY_BYTES = 4096
MAX_NDIM = 8
MAX_CHUNKS = 1 << 20


# ------------------------------------------------------------------------------------------ streaming msgpack

class _Msgpack:
    """Just enough of msgpack to walk a tux streaming checkpoint without holding a record in memory.

    Every length read from a header is checked against the bytes left in the file (and in the enclosing value),
    so a truncated or corrupt file gives a ValueError naming the byte offset instead of a huge allocation.
    """

    def __init__(self, f, path: str):
        self.f, self.path = f, path
        self.size = os.fstat(f.fileno()).st_size
        self.limit = self.size
        self.what = "file header"

    def pos(self) -> int:
        return self.f.tell()

    def error(self, problem: str) -> ValueError:
        return ValueError(f"{self.path}: {problem} (at byte {self.pos()}, while reading {self.what})")

    def read(self, n: int) -> bytes:
        if n > self.limit - self.pos():
            raise self.error(f"truncated: needs {n} bytes, {self.limit - self.pos()} left")
        return self.f.read(n)

    def readinto(self, buf: memoryview) -> None:
        if len(buf) > self.limit - self.pos():
            raise self.error(f"truncated: needs {len(buf)} bytes, {self.limit - self.pos()} left")
        while len(buf):
            n = self.f.readinto(buf)
            if not n:
                raise self.error("unexpected end of file")
            buf = buf[n:]

    def _uint(self, n: int) -> int:
        return int.from_bytes(self.read(n), "big")

    def _header(self):
        """(kind, value): kind in int/nil/bool/str/bin/array/map/ext; value = the int, or the length."""
        b = self.read(1)[0]
        if b <= 0x7F:
            return "int", b
        if b >= 0xE0:
            return "int", b - 0x100
        if 0x80 <= b <= 0x8F:
            return "map", b & 0x0F
        if 0x90 <= b <= 0x9F:
            return "array", b & 0x0F
        if 0xA0 <= b <= 0xBF:
            return "str", b & 0x1F
        fixed = {0xC0: ("nil", None), 0xC2: ("bool", False), 0xC3: ("bool", True)}
        if b in fixed:
            return fixed[b]
        sized = {0xC4: ("bin", 1), 0xC5: ("bin", 2), 0xC6: ("bin", 4), 0xD9: ("str", 1), 0xDA: ("str", 2),
                 0xDB: ("str", 4), 0xDC: ("array", 2), 0xDD: ("array", 4), 0xDE: ("map", 2), 0xDF: ("map", 4),
                 0xCC: ("int", 1), 0xCD: ("int", 2), 0xCE: ("int", 4), 0xCF: ("int", 8)}
        if b in sized:
            kind, n = sized[b]
            return kind, self._uint(n)
        if b in (0xD0, 0xD1, 0xD2, 0xD3):
            n = 1 << (b - 0xD0)
            return "int", int.from_bytes(self.read(n), "big", signed=True)
        ext = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
        if b in ext:
            return "ext", ext[b]
        if b in (0xC7, 0xC8, 0xC9):
            return "ext", self._uint(1 << (b - 0xC7))
        raise self.error(f"unsupported msgpack type byte 0x{b:02x}")

    def expect(self, kind: str, what: str):
        got, value = self._header()
        if got != kind:
            raise self.error(f"{what}: expected {kind}, found {got}")
        if kind in ("str", "bin", "ext") and value > self.limit - self.pos():
            raise self.error(f"truncated or corrupt: {what} of {value} bytes runs past the end of the enclosing data")
        return value

    def string(self, what: str, max_bytes: int) -> str:
        n = self.expect("str", what)
        if n > max_bytes:
            raise self.error(f"{what}: {n} bytes is too long")
        try:
            return self.read(n).decode("utf-8")
        except UnicodeDecodeError:
            raise self.error(f"{what}: not UTF-8") from None

    def integer(self, what: str) -> int:
        return self.expect("int", what)


def _read_ndarray_ext(mp: _Msgpack, key: str, out: np.ndarray | None = None, offset: int = 0):
    """flax's ndarray ext (code 1): [shape, dtype name, raw bytes].

    Without `out`, returns the array. With `out` (a flat array being filled by chunks), the data is read straight
    into out[offset:] and the element count is returned, so a multi-GiB chunked array is never held twice."""
    n = mp.expect("ext", "array")
    end = mp.pos() + 1 + n
    code = mp.read(1)[0]
    if code != 1:
        raise mp.error(f"{key}: msgpack ext type {code} is not a flax ndarray (1)")
    saved, mp.limit = mp.limit, end
    if mp.expect("array", "ndarray header") != 3:
        raise mp.error(f"{key}: ndarray ext is not [shape, dtype, data]")
    ndim = mp.expect("array", "shape")
    if ndim > MAX_NDIM:
        raise mp.error(f"{key}: {ndim} dimensions")
    shape = tuple(mp.integer("dimension") for _ in range(ndim))
    if any(d < 0 for d in shape):
        raise mp.error(f"{key}: negative dimension in {shape}")
    dtype_name = mp.string("dtype", 64)
    if dtype_name not in _DTYPES:
        raise mp.error(f"{key}: unsupported dtype {dtype_name!r} (expected bfloat16, float32 or float16)")
    dtype = np.dtype(_DTYPES[dtype_name])
    nbytes = mp.expect("bin", "array data")
    count = int(np.prod(shape, dtype=np.int64))
    if nbytes != count * dtype.itemsize:
        raise mp.error(f"{key}: {nbytes} data bytes for shape {shape} of {dtype_name}")
    if out is None:
        arr = np.empty(shape, dtype=dtype)
        mp.readinto(memoryview(arr.reshape(-1).view(np.uint8)))
    else:
        if dtype != out.dtype or offset + count > out.size:
            raise mp.error(f"{key}: chunk of {count} {dtype_name} does not fit the array")
        mp.readinto(memoryview(out[offset:offset + count].view(np.uint8)))
    if mp.pos() != end:
        raise mp.error(f"{key}: {end - mp.pos()} bytes left over in the ndarray ext")
    mp.limit = saved
    return arr if out is None else count


def _read_chunked(mp: _Msgpack, key: str, entries: int) -> np.ndarray:
    """flax's {"__msgpack_chunked_array__": true, "shape": {...}, "chunks": {...}} for arrays over 2^30 bytes."""
    shape, out, filled = None, None, 0
    for _ in range(entries):
        name = mp.string("chunked-array field", 64)
        if name == "__msgpack_chunked_array__":
            if mp._header() != ("bool", True):
                raise mp.error(f"{key}: __msgpack_chunked_array__ is not true")
        elif name == "shape":
            ndim = mp.expect("map", "chunked shape")
            if ndim > MAX_NDIM:
                raise mp.error(f"{key}: {ndim} dimensions")
            dims = {}
            for _ in range(ndim):
                k = mp.string("shape index", 16)
                dims[k] = mp.integer("dimension")
            try:
                shape = tuple(dims[str(i)] for i in range(ndim))
            except KeyError:
                raise mp.error(f"{key}: shape indices {sorted(dims)} are not 0..{ndim - 1}") from None
            if any(d < 0 for d in shape):
                raise mp.error(f"{key}: negative dimension in {shape}")
        elif name == "chunks":
            if shape is None:
                raise mp.error(f"{key}: chunks come before the shape")
            n = mp.expect("map", "chunks")
            if n > MAX_CHUNKS:
                raise mp.error(f"{key}: {n} chunks")
            for i in range(n):
                if mp.string("chunk index", 16) != str(i):
                    raise mp.error(f"{key}: chunks are not in order 0..{n - 1}")
                if out is None:
                    first = _read_ndarray_ext(mp, key)
                    if first.ndim != 1:
                        raise mp.error(f"{key}: chunk is not 1-D")
                    total = int(np.prod(shape, dtype=np.int64))
                    if first.size > total:
                        raise mp.error(f"{key}: first chunk is larger than the array")
                    out = np.empty(total, dtype=first.dtype)
                    out[:first.size] = first
                    filled = first.size
                else:
                    filled += _read_ndarray_ext(mp, key, out, filled)
        else:
            raise mp.error(f"{key}: unexpected field {name!r} in a chunked array")
    if out is None or filled != out.size:
        raise mp.error(f"{key}: chunks hold {filled} elements, shape {shape} needs "
                       f"{int(np.prod(shape or (0,)))}")
    return out.reshape(shape)


def read_streaming_params(path: str):
    """Yields (key tuple, ndarray) for each record of a tux streaming checkpoint (lwm.md §7.1), in file order."""
    with open(path, "rb") as f:
        mp = _Msgpack(f, path)
        while mp.pos() < mp.size:
            start = mp.pos()
            mp.what = f"the record starting at byte {start}"
            if mp.expect("array", "record") != 2:
                raise mp.error("record is not [key_path, value]")
            n = mp.expect("array", "key path")
            if not 0 < n <= MAX_KEY_PATH:
                raise mp.error(f"key path has {n} elements")
            key = tuple(mp.string("key path element", MAX_KEY_BYTES) for _ in range(n))
            name = "/".join(key)
            mp.what = f"record {name} (starting at byte {start})"
            value_len = mp.expect("bin", "value")
            end = mp.pos() + value_len
            mp.limit = end
            header_at = mp.pos()
            kind, length = mp._header()
            if kind == "ext":
                mp.f.seek(header_at)  # the ndarray reader parses the ext header itself
                arr = _read_ndarray_ext(mp, name)
            elif kind == "map":
                arr = _read_chunked(mp, name, length)
            else:
                raise mp.error(f"{name}: value is a msgpack {kind}, not an array")
            if mp.pos() != end:
                raise mp.error(f"{name}: {end - mp.pos()} bytes of the value are left over")
            mp.limit = mp.size
            yield key, arr


# ------------------------------------------------------------------------------------------ safetensors

def read_safetensors(path: str) -> dict:
    """name -> ndarray (memory-mapped) for F32/BF16/F16 tensors."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError(f"{path}: truncated safetensors file ({size} bytes)")
        n = struct.unpack("<Q", head)[0]
        if n > min(MAX_SAFETENSORS_HEADER, size - 8):
            raise ValueError(f"{path}: safetensors header length {n} exceeds the file ({size} bytes)")
        try:
            header = json.loads(f.read(n))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: safetensors header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: safetensors header is not an object")
    data_start = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = np.dtype(_DTYPES[info["dtype"]])
            shape = tuple(int(d) for d in info["shape"])
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}: tensor {name}: unsupported or malformed entry {info!r} "
                             "(dtypes F32, BF16, F16)") from None
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= size - data_start or end - begin != count * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name}: data offsets [{begin}, {end}) do not fit shape {shape} "
                             f"of {info['dtype']} inside the file")
        out[name] = np.memmap(path, dtype=dtype, mode="r", offset=data_start + begin, shape=shape)
    return out


def _safetensors_files(model_dir: str) -> list[str]:
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            try:
                weight_map = json.load(f)["weight_map"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise ValueError(f"{index}: not a safetensors index (no weight_map)") from None
        files = sorted(set(weight_map.values()))
        for name in files:
            if os.path.basename(name) != name or not os.path.exists(os.path.join(model_dir, name)):
                raise ValueError(f"{index}: lists {name!r}, which is not a file in {model_dir}")
        return [os.path.join(model_dir, n) for n in files]
    return sorted(os.path.join(model_dir, n) for n in os.listdir(model_dir) if n.endswith(".safetensors"))


# ------------------------------------------------------------------------------------------ layouts

def rotate_half_columns(hidden: int, head_dim: int) -> np.ndarray:
    """src[i] = Jax (interleaved) column feeding rotate-half column i: i = h*hd + p*hd/2 + j <- h*hd + 2j + p."""
    half = head_dim // 2
    i = np.arange(hidden)
    h, rem = np.divmod(i, head_dim)
    p, j = np.divmod(rem, half)
    return h * head_dim + 2 * j + p


_JAX_LAYER = {"attention/wq/kernel": "wq", "attention/wk/kernel": "wk", "attention/wv/kernel": "wv",
              "attention/wo/kernel": "wo", "feed_forward/w1/kernel": "w1", "feed_forward/w2/kernel": "w2",
              "feed_forward/w3/kernel": "w3", "attention_norm/kernel": "attn_norm", "ffn_norm/kernel": "ffn_norm"}
_JAX_TOP = {"transformer/wte/embedding": "wte", "transformer/vte/embedding": "vte", "lm_head/kernel": "lm_head",
            "vision_head/kernel": "vision_head", "transformer/ln_f/kernel": "ln_f"}
_SCAN = "transformer/h/scan_decoder/"


def _from_jax_tree(tensors: dict, source: str) -> dict:
    """{'/'-joined Jax key: array} (scanned or per-layer) -> internal layout (still Jax's column order)."""
    params, per_layer = {}, {}
    for name, arr in tensors.items():
        if name in _JAX_TOP:
            params[_JAX_TOP[name]] = arr
        elif name.startswith(_SCAN) and name[len(_SCAN):] in _JAX_LAYER:
            params[_JAX_LAYER[name[len(_SCAN):]]] = arr
        elif name.startswith("transformer/h/"):
            idx, _, rest = name[len("transformer/h/"):].partition("/")
            if not idx.isdigit() or rest not in _JAX_LAYER:
                raise ValueError(f"{source}: unexpected parameter {name}")
            per_layer.setdefault(_JAX_LAYER[rest], {})[int(idx)] = arr
        else:
            raise ValueError(f"{source}: unexpected parameter {name}")
    for key, layers in per_layer.items():
        if key in params:
            raise ValueError(f"{source}: {key} is both stacked and per layer")
        if sorted(layers) != list(range(len(layers))):
            raise ValueError(f"{source}: layers of {key} are {sorted(layers)}, not 0..{len(layers) - 1}")
        params[key] = np.stack([layers[i] for i in range(len(layers))])
    return params


def _from_hf(tensors: dict, num_layers: int, source: str) -> dict:
    def take(name):
        if name not in tensors:
            raise ValueError(f"{source}: missing tensor {name}")
        return tensors[name]

    hf_layer = {"wq": "self_attn.q_proj.weight", "wk": "self_attn.k_proj.weight", "wv": "self_attn.v_proj.weight",
                "wo": "self_attn.o_proj.weight", "w1": "mlp.gate_proj.weight", "w3": "mlp.up_proj.weight",
                "w2": "mlp.down_proj.weight", "attn_norm": "input_layernorm.weight",
                "ffn_norm": "post_attention_layernorm.weight"}
    params = {"wte": take("model.embed_tokens.weight"), "ln_f": take("model.norm.weight"),
              "lm_head": np.asarray(take("lm_head.weight")).T}
    for key, suffix in hf_layer.items():
        mats = [np.asarray(take(f"model.layers.{i}.{suffix}")) for i in range(num_layers)]
        params[key] = np.stack([m if m.ndim == 1 else m.T for m in mats])
    return params


def _check_shapes(params: dict, cfg: ModelConfig, source: str) -> None:
    V, H, I, L = cfg.vocab_size, cfg.hidden_size, cfg.intermediate_size, cfg.num_layers
    want = {"wte": (V, H), "lm_head": (H, V), "ln_f": (H,), "wq": (L, H, H), "wk": (L, H, H), "wv": (L, H, H),
            "wo": (L, H, H), "w1": (L, H, I), "w3": (L, H, I), "w2": (L, I, H), "attn_norm": (L, H),
            "ffn_norm": (L, H)}
    if cfg.vision_vocab_size:
        want.update(vte=(cfg.vision_vocab_size, H), vision_head=(H, cfg.vision_vocab_size))
    for key, shape in want.items():
        if key not in params:
            raise ValueError(f"{source}: missing parameter {key}")
        if tuple(params[key].shape) != shape:
            raise ValueError(f"{source}: {key} has shape {tuple(params[key].shape)}, expected {shape}")
    extra = set(params) - set(want)
    if extra:
        raise ValueError(f"{source}: unexpected parameters {sorted(extra)}")


def _jax_config(params: dict, model_dir: str, source: str) -> ModelConfig:
    """Shapes come from the tensors; theta, length, eps (and heads) from lwm_config.json or the directory name."""
    for key in ("wte", "w1", "wq"):
        if key not in params:
            raise ValueError(f"{source}: missing parameter {key}")
    settings = jax_settings(model_dir, source)
    has_vte, has_head = "vte" in params, "vision_head" in params
    if has_vte != has_head:
        raise ValueError(f"{source}: a vision model needs both transformer/vte/embedding and vision_head/kernel; "
                         f"found only {'vte' if has_vte else 'vision_head'}")
    settings.check_family(has_vte, source)
    vocab, hidden = params["wte"].shape
    heads = settings.heads_for(hidden)
    if hidden % heads or (hidden // heads) % 2:
        raise ValueError(f"{source}: hidden size {hidden} does not split into {heads} heads of even size")
    return ModelConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=params["w1"].shape[2],
                       num_layers=params["wq"].shape[0], num_heads=heads, rope_theta=settings.rope_theta,
                       max_sequence_length=settings.max_sequence_length, rms_norm_eps=settings.rms_norm_eps,
                       vision_vocab_size=params["vte"].shape[0] if has_vte else None)


def load_model(model_dir: str) -> tuple[ModelConfig, dict]:
    """(config, params in the internal layout, arrays in their stored dtype). Raises ValueError naming the file."""
    if not os.path.isdir(model_dir):
        raise ValueError(f"{model_dir}: not a model directory")
    params_file = os.path.join(model_dir, "params")
    st_files = _safetensors_files(model_dir)
    if os.path.exists(params_file):
        tensors = {}
        for key, arr in read_streaming_params(params_file):
            name = "/".join(key)
            if name in tensors:
                raise ValueError(f"{params_file}: duplicate record {name}")
            tensors[name] = arr
        source, params, jax_layout = params_file, _from_jax_tree(tensors, params_file), True
    elif st_files:
        tensors = {}
        for path in st_files:
            tensors.update(read_safetensors(path))
        source = st_files[0] if len(st_files) == 1 else model_dir
        jax_layout = any(n.startswith(("transformer/", "lm_head/")) for n in tensors)
        if jax_layout:
            params = _from_jax_tree(tensors, source)
        else:
            cfg_path = os.path.join(model_dir, HF_CONFIG_FILE)
            if not os.path.exists(cfg_path):
                raise ValueError(f"{model_dir}: HF safetensors weights need {HF_CONFIG_FILE}")
            cfg = hf_config(cfg_path)
            params = _from_hf(tensors, cfg.num_layers, source)
    else:
        raise ValueError(f"{model_dir}: no weights found (expected model*.safetensors with {HF_CONFIG_FILE}, "
                         f"or LWM's Jax 'params' with {JAX_CONFIG_FILE}); pytorch_model.bin is not supported, "
                         "convert it to safetensors")
    if jax_layout:
        cfg = _jax_config(params, model_dir, source)
        src = rotate_half_columns(cfg.hidden_size, cfg.head_dim)
        params["wq"] = np.asarray(params["wq"])[:, :, src]
        params["wk"] = np.asarray(params["wk"])[:, :, src]
    _check_shapes(params, cfg, source)
    return cfg, params
