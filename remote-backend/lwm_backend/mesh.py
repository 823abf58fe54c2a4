"""The dp,fsdp,tp,sp device mesh with LWM's semantics (reference/lwm.md §6.2).

`--mesh 1,1,1,-1`: one entry may be -1 (inferred from the device count); the product must equal the device count.
A leading `!` is accepted (LWM's "plain reshape" marker); the mesh is always a plain reshape of jax.devices(), so
with a multi-host run the sp ring follows the global device order.

Weights are sharded as LWM's partition rules: embeddings PS('tp', ('fsdp','sp')), wq/wk/wv/w1/w3
PS(None, ('fsdp','sp'), 'tp'), wo/w2 PS(None, 'tp', ('fsdp','sp')), heads PS(('fsdp','sp'), 'tp'), norms
replicated. So the ring axis also FSDP-shards the weights. The backend serves one sequence per cache (batch 1),
so dp and fsdp only shard weights; activations are sharded over sp (sequence) and tp (heads).
"""
from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

AXES = ("dp", "fsdp", "tp", "sp")
W_SHARD = ("fsdp", "sp")

PARAM_SPECS = {
    "wte": P("tp", W_SHARD), "vte": P("tp", W_SHARD),
    "lm_head": P(W_SHARD, "tp"), "vision_head": P(W_SHARD, "tp"),
    "ln_f": P(),
    "wq": P(None, W_SHARD, "tp"), "wk": P(None, W_SHARD, "tp"), "wv": P(None, W_SHARD, "tp"),
    "w1": P(None, W_SHARD, "tp"), "w3": P(None, W_SHARD, "tp"),
    "wo": P(None, "tp", W_SHARD), "w2": P(None, "tp", W_SHARD),
    "attn_norm": P(), "ffn_norm": P(),
}


def parse_mesh(spec: str, device_count: int) -> dict:
    """'dp,fsdp,tp,sp' with at most one -1 -> {"dp":..,"fsdp":..,"tp":..,"sp":..}."""
    text = spec.strip().lstrip("!")
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(f"mesh {spec!r}: expected four comma-separated sizes dp,fsdp,tp,sp")
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"mesh {spec!r}: sizes must be integers (one may be -1)") from None
    if dims.count(-1) > 1 or any(d == 0 or d < -1 for d in dims):
        raise ValueError(f"mesh {spec!r}: sizes must be positive, with at most one -1")
    known = int(np.prod([d for d in dims if d != -1]))
    if -1 in dims:
        if device_count % known:
            raise ValueError(f"mesh {spec!r}: {device_count} devices are not a multiple of {known}")
        dims[dims.index(-1)] = device_count // known
    if int(np.prod(dims)) != device_count:
        raise ValueError(f"mesh {spec!r}: {'x'.join(map(str, dims))} = {int(np.prod(dims))} devices, "
                         f"but {device_count} are available")
    return dict(zip(AXES, dims))


def make_mesh(spec: str | dict, devices=None) -> Mesh:
    devices = list(jax.devices() if devices is None else devices)
    sizes = parse_mesh(spec, len(devices)) if isinstance(spec, str) else spec
    grid = np.array(devices, dtype=object).reshape([sizes[a] for a in AXES])
    return Mesh(grid, AXES)


def fit_spec(shape, spec: P, mesh: Mesh) -> P:
    """Drops mesh axes from dimensions they do not divide (e.g. a vocab of 1000 over tp=16): replicate instead."""
    out = []
    for dim, entry in zip(shape, tuple(spec) + (None,) * (len(shape) - len(spec))):
        names = entry if isinstance(entry, tuple) else (entry,) if entry else ()
        kept, size = [], 1
        for name in names:
            if dim % (size * mesh.shape[name]) == 0:
                kept.append(name)
                size *= mesh.shape[name]
        out.append(tuple(kept) if len(kept) > 1 else kept[0] if kept else None)
    return P(*out)


def put(array: np.ndarray, mesh: Mesh, spec: P) -> jax.Array:
    """Host array -> global jax.Array; works in multi-process runs because each process passes the same data."""
    sharding = NamedSharding(mesh, fit_spec(array.shape, spec, mesh))
    return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])


def shard_params(params: dict, mesh: Mesh, dtype) -> dict:
    return {k: put(np.asarray(v).astype(dtype), mesh, PARAM_SPECS[k]) for k, v in params.items()}
