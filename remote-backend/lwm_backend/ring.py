"""Ring attention over the mesh's `sp` axis (jax.shard_map + lax.ppermute), written from the published algorithm.

Three collectives, all used inside a shard_map whose sequence dimension is split over `sp`:
  * kv_ring: each device keeps its queries; key/value blocks travel d -> d+1 for n-1 steps (prefill of a chunk).
  * query_ring: the keys stay (a sharded KV cache) and the queries travel with their accumulators, so a long new
    chunk attends to the cached prefix without moving the cache (n steps; the last one brings the result home).
  * merged_local: queries replicated on every device attend to the local keys only; the partial results are
    merged with log-sum-exp (pmax + psum in F32). Decode and short follow-ups use this: nothing of the cache moves.

Layouts (host side, layout_blocks): the chunk is cut into 2n blocks. Contiguous gives device r blocks 2r, 2r+1
(LWM's layout: under a causal mask the last device does ~2n-1 times the first one's work); zigzag gives device r
blocks r and 2n-1-r, so every device computes the same number of blocks.

shard_map runs with check_vma=False, as LWM's ring does (check_rep=False): with JAX 0.10's varying-axis typing the
scan carries started from zeros would otherwise need lax.pcast(..., to='varying') for every mesh axis.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import PartitionSpec as P

from .attention import Acc, attend, finalize, init_acc

AXIS = "sp"


def _rotate(xs, n: int):
    perm = [(i, (i + 1) % n) for i in range(n)]
    return jax.tree.map(lambda x: lax.ppermute(x, AXIS, perm), xs)


def kv_ring(q, qpos, k, v, kpos, *, n: int, causal: bool, q_chunk: int, k_chunk: int):
    """Local queries against every device's k/v block. Returns (Acc, computed chunk pairs on this device)."""
    attend_ = partial(attend, causal=causal, q_chunk=q_chunk, k_chunk=k_chunk)

    def step(carry, _):
        acc, count, kv = carry
        acc, c = attend_(acc, q, qpos, *kv)
        return (acc, count + c, _rotate(kv, n)), None

    carry = (init_acc(q), jnp.int32(0), (k, v, kpos))
    if n > 1:
        carry, _ = lax.scan(step, carry, None, length=n - 1)
    acc, count, kv = carry
    acc, c = attend_(acc, q, qpos, *kv)
    return acc, count + c


def query_ring(acc: Acc, q, qpos, k, v, kpos, *, n: int, q_chunk: int, k_chunk: int):
    """Adds the local keys of every device to the queries' accumulators; the keys never move."""
    attend_ = partial(attend, causal=True, q_chunk=q_chunk, k_chunk=k_chunk)

    def step(carry, _):
        acc, count, qs = carry
        acc, c = attend_(acc, *qs, k, v, kpos)
        return (_rotate(acc, n), count + c, _rotate(qs, n)), None

    (acc, count, _), _ = lax.scan(step, (acc, jnp.int32(0), (q, qpos)), None, length=n)
    return acc, count


def merged_local(q, qpos, k, v, kpos, *, causal: bool, q_chunk: int, k_chunk: int) -> Acc:
    """Replicated queries against the local keys, merged over sp with log-sum-exp in F32 (result replicated)."""
    acc, _ = attend(init_acc(q), q, qpos, k, v, kpos, causal=causal, q_chunk=q_chunk, k_chunk=k_chunk)
    m = lax.pmax(acc.m, AXIS)
    c = jnp.exp(acc.m - m)
    return Acc(lax.psum(acc.o * c[..., None], AXIS), m, lax.psum(acc.l * c, AXIS))


# ------------------------------------------------------------------------------------------ host-side layout

def layout_blocks(t: int, n: int, layout: str, block: int | None = None) -> np.ndarray:
    """[n, 2B] token indices held by each device (B = block, at least ceil(t / 2n)); -1 marks padding.

    On every device the real tokens come first and in increasing order, which the KV cache relies on.
    """
    b = max(1, -(-t // (2 * n)), block or 0)
    blocks = np.arange(2 * n * b).reshape(2 * n, b)
    if layout == "zigzag":
        pairs = [(r, 2 * n - 1 - r) for r in range(n)]
    elif layout == "contiguous":
        pairs = [(2 * r, 2 * r + 1) for r in range(n)]
    else:
        raise ValueError(f"unknown layout {layout!r} (zigzag or contiguous)")
    idx = np.stack([np.concatenate([blocks[i], blocks[j]]) for i, j in pairs])
    return np.where(idx < t, idx, -1)


# ------------------------------------------------------------------------------------------ global wrappers

def ring_attention(q, k, v, mesh, *, causal: bool = True, layout: str = "zigzag", q_chunk: int = 512,
                   k_chunk: int = 512):
    """Self-attention of a whole sequence q/k/v [L, h, d] (natural order) with the kv ring over mesh axis sp.

    Returns (out [L, h, d] in q's dtype, computed chunk pairs per sp device [n])."""
    n = mesh.shape[AXIS]
    length = q.shape[0]
    idx = layout_blocks(length, n, layout).reshape(-1)
    take = np.maximum(idx, 0)
    pos = jnp.asarray(idx, jnp.int32)

    def local(q, qpos, k, v):
        acc, count = kv_ring(q, qpos, k, v, qpos, n=n, causal=causal, q_chunk=q_chunk, k_chunk=k_chunk)
        return finalize(acc, q.dtype), count[None]

    seq = P(AXIS, "tp", None)
    out, counts = jax.jit(jax.shard_map(local, mesh=mesh, in_specs=(seq, P(AXIS), seq, seq),
                                        out_specs=(seq, P(AXIS)), check_vma=False))(q[take], pos, k[take], v[take])
    order = np.argsort(np.where(idx >= 0, idx, length + np.arange(idx.size)))[:length]
    return out[order], counts


def cached_attention(q, qpos, k, v, kpos, mesh, *, q_chunk: int = 512, k_chunk: int = 512):
    """Queries q [T, h, d] (replicated) against keys k/v [S, h, d] sharded over sp, merged with log-sum-exp."""
    def local(q, qpos, k, v, kpos):
        return finalize(merged_local(q, qpos, k, v, kpos, causal=True, q_chunk=q_chunk, k_chunk=k_chunk), q.dtype)

    seq = P(AXIS, "tp", None)
    return jax.jit(jax.shard_map(local, mesh=mesh, in_specs=(P(None, "tp", None), P(), seq, seq, P(AXIS)),
                                 out_specs=P(None, "tp", None), check_vma=False))(q, qpos, k, v, kpos)
