"""Blockwise attention with an online softmax in F32, the building block of ring.py.

Every query and key carries its absolute position; a key is valid when its position is >= 0 (empty cache slots
and padding hold -1) and, when causal, visible when key position <= query position. Positions instead of index
arithmetic let one kernel serve any layout: contiguous or zigzag ring blocks, a cache filled across many calls.

Numerics follow LWM (reference/lwm.md §1.3.2): q.k in F32 scaled by 1/sqrt(head_dim), masked scores set to the
finite float32 minimum (never -inf, so a row with no visible key averages uniformly instead of producing NaN),
accumulators (output, running max, denominator) in F32. A (query chunk, key chunk) pair whose keys are all
invisible to all its queries is skipped with lax.cond: the blocks above the causal diagonal cost nothing.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

MASK_VALUE = float(jnp.finfo(jnp.float32).min)
_NO_KEY = jnp.iinfo(jnp.int32).max
HIGHEST = lax.Precision.HIGHEST  # F32 models must not fall back to TF32/bf16 passes on GPU/TPU


class Acc(NamedTuple):
    """Unnormalised online-softmax state for queries [q, heads, dim]: out, running max and denominator."""
    o: jax.Array  # [q, h, d] f32
    m: jax.Array  # [q, h] f32
    l: jax.Array  # [q, h] f32


def init_acc(q: jax.Array) -> Acc:
    n, h, d = q.shape
    return Acc(jnp.zeros((n, h, d), jnp.float32), jnp.full((n, h), MASK_VALUE, jnp.float32),
               jnp.zeros((n, h), jnp.float32))


def finalize(acc: Acc, dtype) -> jax.Array:
    """out = o / l; rows that saw no computed block at all (skipped padding) give 0."""
    l = jnp.where(acc.l > 0, acc.l, 1.0)
    return (acc.o / l[..., None]).astype(dtype)


def _pad_to(x: jax.Array, multiple: int, value) -> jax.Array:
    extra = -x.shape[0] % multiple
    if not extra:
        return x
    return jnp.pad(x, [(0, extra)] + [(0, 0)] * (x.ndim - 1), constant_values=value)


def _skip(qpos: jax.Array, kpos: jax.Array, causal: bool) -> jax.Array:
    """True when no key of the chunk is visible to any query of the chunk."""
    kmin = jnp.min(jnp.where(kpos >= 0, kpos, _NO_KEY))
    if causal:
        return kmin > jnp.max(qpos)
    return kmin == _NO_KEY


def _block(acc: Acc, q, qpos, k, v, kpos, causal: bool, scale: float) -> Acc:
    s = jnp.einsum("qhd,khd->qhk", q.astype(jnp.float32), k.astype(jnp.float32), precision=HIGHEST) * scale
    visible = kpos[None, :] >= 0
    if causal:
        visible = visible & (kpos[None, :] <= qpos[:, None])
    s = jnp.where(visible[:, None, :], s, MASK_VALUE)
    m = jnp.maximum(acc.m, s.max(axis=-1))
    p = jnp.exp(s - m[..., None])
    corr = jnp.exp(acc.m - m)
    o = acc.o * corr[..., None] + jnp.einsum("qhk,khd->qhd", p, v.astype(jnp.float32), precision=HIGHEST)
    return Acc(o, m, acc.l * corr + p.sum(axis=-1))


def attend(acc: Acc, q, qpos, k, v, kpos, *, causal: bool, q_chunk: int, k_chunk: int):
    """Adds the keys k/v (positions kpos) to the accumulator of queries q (positions qpos).

    q [Lq, h, d], k/v [Lk, h, d]; lengths need not divide the chunk sizes (padding is masked).
    Returns (acc, number of computed chunk pairs) - the count is the structural work measure.
    """
    lq, lk = q.shape[0], k.shape[0]
    qc, kc = min(q_chunk, lq), min(k_chunk, lk)
    scale = 1.0 / float(q.shape[-1]) ** 0.5
    q, qpos = _pad_to(q, qc, 0), _pad_to(qpos, qc, -1)
    k, v, kpos = _pad_to(k, kc, 0), _pad_to(v, kc, 0), _pad_to(kpos, kc, -1)
    acc = Acc(*(_pad_to(x, qc, 0) for x in acc))
    nq = q.shape[0] // qc

    def split(x, c):
        return x.reshape((x.shape[0] // c, c) + x.shape[1:])

    ks, vs, kps = split(k, kc), split(v, kc), split(kpos, kc)

    def over_queries(_, xs):
        qb, qpb, ab = xs

        def over_keys(carry, ys):
            a, count = carry
            kb, vb, kpb = ys
            skip = _skip(qpb, kpb, causal)
            a = lax.cond(skip, lambda: a, lambda: _block(a, qb, qpb, kb, vb, kpb, causal, scale))
            return (a, count + jnp.where(skip, 0, 1)), None

        (ab, count), _ = lax.scan(over_keys, (Acc(*ab), jnp.int32(0)), (ks, vs, kps))
        return None, (ab, count)

    _, (blocks, counts) = lax.scan(over_queries, None,
                                   (split(q, qc), split(qpos, qc), tuple(split(x, qc) for x in acc)))
    acc = Acc(*(x.reshape((nq * qc,) + x.shape[2:])[:lq] for x in blocks))
    return acc, counts.sum()


def dense_attention(q, k, v, qpos, kpos, *, causal: bool) -> jax.Array:
    """Plain masked softmax attention in F32 - the reference the ring is tested against."""
    s = jnp.einsum("qhd,khd->qhk", q.astype(jnp.float32), k.astype(jnp.float32), precision=HIGHEST)
    s = s * (1.0 / float(q.shape[-1]) ** 0.5)
    visible = kpos[None, :] >= 0
    if causal:
        visible = visible & (kpos[None, :] <= qpos[:, None])
    s = jnp.where(visible[:, None, :], s, MASK_VALUE)
    return jnp.einsum("qhk,khd->qhd", jax.nn.softmax(s, axis=-1), v.astype(jnp.float32), precision=HIGHEST)
