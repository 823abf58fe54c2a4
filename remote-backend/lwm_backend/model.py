"""The LWM LLaMA forward pass (reference/lwm.md §1) over a dp,fsdp,tp,sp mesh, one chunk of tokens at a time.

Math, exactly as LWM's fp32 inference and the golden fixtures (test/FIXTURES.md "Numerics"):
  * RMSNorm in F32: x * rsqrt(mean(x^2) + eps), cast to the model dtype, times the weight.
  * RoPE in the rotate-half layout (Jax weights are permuted at load). Angle = float32(position * inv_freq), i.e.
    rounded once to F32 as LWM's numpy table and HF do; inv_freq = 1 / float32(theta ** float32(2i / hd)).
    cos/sin are evaluated on the host in float64 per chunk (never a table for the whole context): XLA's float32
    sin/cos lose accuracy for the 1e6-radian angles of a million-token context.
  * Attention logits in F32, finite mask minimum, no biases, SwiGLU MLP, untied heads.
  * Vision models: each position's id is read in the text vocabulary (wte) or the vision vocabulary (vte)
    according to its vision-mask bit; both heads are applied to the requested rows.

KV cache: per layer [S_total, heads, head_dim] sharded over sp (each device owns S local slots) with a position
per slot (-1 = empty). Tokens may sit in any slot: attention masks by position, so the host (engine.py) places
each chunk where it balances the devices. Two step modes:
  * "ring": the chunk is split over sp (zigzag or contiguous blocks); the chunk attends to itself with the kv ring
    and to the cached prefix with the query ring (the cache never moves); then its K/V are written locally.
  * "merged": the (short) chunk is replicated; its K/V are written to the owning devices first, then every device
    attends to its local slots and the results are merged with log-sum-exp (decode, short follow-ups).
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import NamedSharding, PartitionSpec as P

from .attention import HIGHEST, finalize
from .config import ModelConfig
from .mesh import fit_spec, put, shard_params
from .ring import AXIS, kv_ring, merged_local, query_ring

DTYPES = {"f32": jnp.float32, "bf16": jnp.bfloat16}
CACHE_SPEC = P(None, AXIS, "tp", None)


def inv_freq(head_dim: int, theta: float) -> np.ndarray:
    """HF/torch's float32 inverse frequencies bit-exactly (a correctly rounded pow; numpy's float32 pow is not)."""
    exponent = np.arange(0, head_dim, 2, dtype=np.float32) / np.float32(head_dim)
    power = np.power(np.float64(theta), exponent.astype(np.float64)).astype(np.float32)
    return (np.float32(1.0) / power).astype(np.float32)


def rope_tables(positions: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cos, sin [T, hd/2] float32 of the float32-rounded angles; padding (position -1) gets angle 0."""
    pos = np.maximum(positions, 0).astype(np.float64)
    angle = (pos[:, None] * freqs[None, :].astype(np.float64)).astype(np.float32).astype(np.float64)
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def rms_norm(x, weight, eps: float):
    x32 = x.astype(jnp.float32)
    n = x32 * lax.rsqrt(jnp.mean(x32 * x32, axis=-1, keepdims=True) + eps)
    return n.astype(weight.dtype) * weight


def apply_rope(x, cos, sin):
    """Rotate-half RoPE on [T, h, hd] in F32; cos/sin [T, hd/2]."""
    half = x.shape[-1] // 2
    x32 = x.astype(jnp.float32)
    x1, x2 = x32[..., :half], x32[..., half:]
    c, s = cos[:, None, :], sin[:, None, :]
    return jnp.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1).astype(x.dtype)


def _write_window(buf, new, lead: tuple, src, off, count):
    """buf[*lead, off:off+count] = new[src:src+count] touching only a window of len(new) slots (never the whole
    local cache). Slot axis = len(lead); the host guarantees off + count <= slots and count <= len(new)."""
    slots, width = buf.shape[len(lead)], new.shape[0]
    w = min(width, slots)
    start = jnp.clip(off, 0, slots - w)
    slot = start + jnp.arange(w)
    take = jnp.clip(src + slot - off, 0, width - 1)
    keep = (slot >= off) & (slot < off + count)
    begin = tuple(lead) + (start,) + (0,) * (buf.ndim - len(lead) - 1)
    window = lax.dynamic_slice(buf, begin, (1,) * len(lead) + (w,) + buf.shape[len(lead) + 1:])
    window = window.reshape(window.shape[len(lead):])
    mask = keep.reshape((w,) + (1,) * (window.ndim - 1))
    window = jnp.where(mask, jnp.take(new, take, axis=0).astype(buf.dtype), window)
    return lax.dynamic_update_slice(buf, window.reshape((1,) * len(lead) + window.shape), begin)


class Model:
    """Sharded weights plus the jitted chunk step. Host-side placement of tokens lives in engine.py."""

    def __init__(self, cfg: ModelConfig, params: dict, mesh, dtype: str = "f32", q_chunk: int = 512,
                 k_chunk: int = 512):
        if dtype not in DTYPES:
            raise ValueError(f"dtype {dtype!r}: expected one of {sorted(DTYPES)}")
        if q_chunk < 1 or k_chunk < 1:
            raise ValueError(f"query/key chunk sizes must be positive, got {q_chunk}/{k_chunk}")
        self.cfg, self.mesh, self.dtype = cfg, mesh, DTYPES[dtype]
        self.n = mesh.shape[AXIS]
        self.q_chunk, self.k_chunk = q_chunk, k_chunk
        self.freqs = inv_freq(cfg.head_dim, cfg.rope_theta)
        self.params = shard_params(params, mesh, self.dtype)
        self._steps = {}

    # ---------------------------------------------------------------------------------------- placement

    def sharding(self, spec: P, shape) -> NamedSharding:
        return NamedSharding(self.mesh, fit_spec(shape, spec, self.mesh))

    def put(self, array: np.ndarray, spec: P) -> jax.Array:
        return put(array, self.mesh, spec)

    def empty_cache(self, local_slots: int) -> dict:
        """K/V [layers, n * local_slots, heads, head_dim] sharded over sp (heads over tp), positions all -1."""
        cfg = self.cfg
        shape = (cfg.num_layers, self.n * local_slots, cfg.num_heads, cfg.head_dim)
        zeros = jax.jit(lambda: jnp.zeros(shape, self.dtype), out_shardings=self.sharding(CACHE_SPEC, shape))
        pos = jax.jit(lambda: jnp.full((shape[1],), -1, jnp.int32),
                      out_shardings=self.sharding(P(AXIS), (shape[1],)))
        return {"k": zeros(), "v": zeros(), "pos": pos()}

    def truncate(self, pos, length: int):
        """Positions >= length become empty; returns (positions, occupied slots per sp device, replicated)."""
        if "truncate" not in self._steps:
            def fn(pos, length):
                new = jnp.where(pos >= length, -1, pos)
                return new, (new.reshape(self.n, -1) >= 0).sum(axis=1).astype(jnp.int32)
            self._steps["truncate"] = jax.jit(fn, out_shardings=(self.sharding(P(AXIS), pos.shape),
                                                                 NamedSharding(self.mesh, P())))
        return self._steps["truncate"](pos, jnp.int32(length))

    # ---------------------------------------------------------------------------------------- step

    def step(self, mode: str, has_prefix: bool):
        """The jitted chunk step for a mode ("ring" / "merged"); cached per mode, then per shape by jax.jit."""
        key = (mode, has_prefix)
        if key not in self._steps:
            self._steps[key] = jax.jit(partial(self._forward, mode, has_prefix), donate_argnums=(1,))
        return self._steps[key]

    def _forward(self, mode: str, has_prefix: bool, params: dict, cache: dict, tokens: dict, plan: dict, rows):
        """One chunk: tokens {ids, vision, pos, cos, sin} (ring: sharded over sp in device order; merged:
        replicated), plan {off, count, src} [n] (where each device writes its new tokens), rows: indices into the
        chunk whose logits are returned. Returns (text logits [rows, V], vision logits or None, cache)."""
        cfg = self.cfg
        seq = P(AXIS) if mode == "ring" else P()
        hidden_spec = NamedSharding(self.mesh, P(AXIS, None) if mode == "ring" else P(None, None))
        h = self._embed(params, tokens["ids"], tokens["vision"])
        h = lax.with_sharding_constraint(h, hidden_spec)
        t = h.shape[0]
        new_pos = self._write_positions(cache["pos"], tokens["pos"], plan, seq)
        attn = self._attention(mode, has_prefix, cache["pos"] if mode == "ring" else new_pos)
        cos, sin = tokens["cos"], tokens["sin"]

        def layer(carry, xs):
            h, ck, cv = carry
            w, li = xs
            x = rms_norm(h, w["attn_norm"], cfg.rms_norm_eps)

            def heads(kernel):
                return jnp.dot(x, kernel, precision=HIGHEST).reshape(t, cfg.num_heads, cfg.head_dim)

            q = apply_rope(heads(w["wq"]), cos, sin)
            k = apply_rope(heads(w["wk"]), cos, sin)
            out, ck, cv = attn(q, tokens["pos"], k, heads(w["wv"]), ck, cv, li, plan["off"], plan["count"],
                               plan["src"])
            h = h + jnp.dot(out.reshape(t, cfg.hidden_size), w["wo"], precision=HIGHEST)
            x = rms_norm(h, w["ffn_norm"], cfg.rms_norm_eps)
            gate = jax.nn.silu(jnp.dot(x, w["w1"], precision=HIGHEST))
            up = jnp.dot(x, w["w3"], precision=HIGHEST)
            h = h + jnp.dot(gate * up, w["w2"], precision=HIGHEST)
            return (lax.with_sharding_constraint(h, hidden_spec), ck, cv), None

        layers = {k: params[k] for k in ("wq", "wk", "wv", "wo", "w1", "w2", "w3", "attn_norm", "ffn_norm")}
        (h, ck, cv), _ = lax.scan(layer, (h, cache["k"], cache["v"]),
                                  (layers, jnp.arange(cfg.num_layers, dtype=jnp.int32)))
        last = rms_norm(jnp.take(h, rows, axis=0), params["ln_f"], cfg.rms_norm_eps)
        text = jnp.dot(last, params["lm_head"], precision=HIGHEST, preferred_element_type=jnp.float32)
        vision = None
        if "vision_head" in params:
            vision = jnp.dot(last, params["vision_head"], precision=HIGHEST, preferred_element_type=jnp.float32)
        # Replicated, so every process of a multi-host run can read the logits locally.
        everywhere = NamedSharding(self.mesh, P())
        text = lax.with_sharding_constraint(text, everywhere)
        vision = None if vision is None else lax.with_sharding_constraint(vision, everywhere)
        return text, vision, {"k": ck, "v": cv, "pos": new_pos}

    def _embed(self, params, ids, vision):
        """LWM's mixed embedding: text ids through wte, vision-masked ids through vte (vision_llama.py)."""
        text = jnp.take(params["wte"], jnp.where(vision, 0, ids), axis=0)
        if "vte" not in params:
            return text
        vis = jnp.take(params["vte"], jnp.where(vision, ids, 0), axis=0)
        return jnp.where(vision[:, None], vis, text)

    def _write_positions(self, pos, chunk_pos, plan, seq):
        def local(pos, chunk_pos, off, count, src):
            return _write_window(pos, chunk_pos, (), src[0], off[0], count[0])

        sp = P(AXIS)
        return jax.shard_map(local, mesh=self.mesh, in_specs=(sp, seq, sp, sp, sp), out_specs=sp,
                             check_vma=False)(pos, chunk_pos, plan["off"], plan["count"], plan["src"])

    def _attention(self, mode: str, has_prefix: bool, cache_pos):
        """shard_map'd attention for one layer; also writes the chunk's K/V into the layer's cache slots."""
        n, qc, kc, dtype = self.n, self.q_chunk, self.k_chunk, self.dtype
        cache_spec, sp = CACHE_SPEC, P(AXIS)

        def cache_chunk(ck):
            # The engine sizes the local slots in whole key chunks (or below one), so this divides them.
            return min(kc, ck.shape[1])

        def write(buf, new, li, src, off, count):
            return _write_window(buf, new, (li,), src[0], off[0], count[0])

        if mode == "ring":
            def local(q, qpos, k, v, ck, cv, kpos, li, off, count, src):
                acc, _ = kv_ring(q, qpos, k, v, qpos, n=n, causal=True, q_chunk=qc, k_chunk=kc)
                if has_prefix:
                    acc, _ = query_ring(acc, q, qpos, ck[li], cv[li], kpos, n=n, q_chunk=qc, k_chunk=cache_chunk(ck))
                return (finalize(acc, dtype), write(ck, k, li, src, off, count), write(cv, v, li, src, off, count))
            chunk = P(AXIS, "tp", None)
        else:
            def local(q, qpos, k, v, ck, cv, kpos, li, off, count, src):
                ck, cv = write(ck, k, li, src, off, count), write(cv, v, li, src, off, count)
                acc = merged_local(q, qpos, ck[li], cv[li], kpos, causal=True, q_chunk=qc, k_chunk=cache_chunk(ck))
                return finalize(acc, dtype), ck, cv
            chunk = P(None, "tp", None)
        qpos_spec = sp if mode == "ring" else P()
        fn = jax.shard_map(local, mesh=self.mesh,
                           in_specs=(chunk, qpos_spec, chunk, chunk, cache_spec, cache_spec, sp, P(), sp, sp, sp),
                           out_specs=(chunk, cache_spec, cache_spec), check_vma=False)
        return lambda q, qpos, k, v, ck, cv, li, off, count, src: fn(q, qpos, k, v, ck, cv, cache_pos, li, off,
                                                                      count, src)
