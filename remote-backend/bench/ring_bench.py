"""Ring-attention prefill benchmark on simulated CPU devices (issue 4 §6). Not a test.

    python bench/ring_bench.py [--tokens 65536] [--runs 3]      (from remote-backend/, with the shared venv)

A tiny random LWM-shaped model (2 layers, hidden 64, 4 heads) prefills one context of --tokens in a single ring
chunk for sp = 1, 2, 4, 8 (zigzag layout), then sp = 8 with the contiguous layout. Reports the median prefill
time, XLA's per-device memory for the step, and the computed (query chunk, key chunk) pairs per device counted
by the ring kernel itself. CPU times show the scaling shape only: the simulated devices share the host's cores.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from lwm_backend.config import ModelConfig  # noqa: E402
from lwm_backend.engine import LwmEngine  # noqa: E402
from lwm_backend.mesh import make_mesh  # noqa: E402
from lwm_backend.model import Model  # noqa: E402
from lwm_backend.ring import ring_attention  # noqa: E402

CHUNK = 1024  # query/key chunk of the blockwise kernel


def tiny_model(tokens: int) -> tuple[ModelConfig, dict]:
    cfg = ModelConfig(vocab_size=512, hidden_size=64, intermediate_size=172, num_layers=2, num_heads=4,
                      rope_theta=5e7, max_sequence_length=tokens, rms_norm_eps=1e-6)
    r = np.random.default_rng(0)
    H, I, L = cfg.hidden_size, cfg.intermediate_size, cfg.num_layers

    def w(*shape, scale=1.0):
        return (r.standard_normal(shape) * scale / np.sqrt(shape[-2] if len(shape) > 1 else 1)).astype(np.float32)

    params = {"wte": w(cfg.vocab_size, H), "lm_head": w(H, cfg.vocab_size), "ln_f": np.ones(H, np.float32),
              "wq": w(L, H, H), "wk": w(L, H, H), "wv": w(L, H, H), "wo": w(L, H, H), "w1": w(L, H, I),
              "w3": w(L, H, I), "w2": w(L, I, H), "attn_norm": np.ones((L, H), np.float32),
              "ffn_norm": np.ones((L, H), np.float32)}
    return cfg, params


def engine(cfg, params, sp: int, layout: str) -> LwmEngine:
    mesh = make_mesh({"dp": 1, "fsdp": 1, "tp": 1, "sp": sp}, jax.devices()[:sp])
    model = Model(cfg, params, mesh, "f32", q_chunk=CHUNK, k_chunk=CHUNK)
    return LwmEngine(model, "bench", cfg.max_sequence_length, cfg.max_sequence_length, False, None, layout)


def prefill_seconds(eng: LwmEngine, ids: np.ndarray, runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):  # the first run compiles
        cache = eng.new_cache(ids.size)
        start = time.perf_counter()
        eng.prefill(cache, ids, None)
        times.append(time.perf_counter() - start)
        eng.free(cache)
    return times[1:]


def block_counts(tokens: int, sp: int, layout: str) -> np.ndarray:
    """Computed chunk pairs per device of one attention layer of the same shape, from the kernel's counter."""
    r = np.random.default_rng(1)
    q, k, v = (jnp.asarray(r.standard_normal((tokens, 4, 16)), jnp.float32) for _ in range(3))
    mesh = make_mesh({"dp": 1, "fsdp": 1, "tp": 1, "sp": sp}, jax.devices()[:sp])
    _, counts = ring_attention(q, k, v, mesh, causal=True, layout=layout, q_chunk=CHUNK, k_chunk=CHUNK)
    return np.asarray(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=65536)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cfg, params = tiny_model(args.tokens)
    ids = np.random.default_rng(2).integers(3, cfg.vocab_size, args.tokens).astype(np.int32)
    print(f"{args.tokens} tokens, {cfg.num_layers} layers, hidden {cfg.hidden_size}, {cfg.num_heads} heads, "
          f"chunk {CHUNK}, {args.runs} timed runs after one compile run, jax {jax.__version__}, "
          f"{os.cpu_count()} host cores\n")
    print("| sp | layout | prefill s (median) | runs | per-device MiB (XLA) | blocks per device | max/min |")
    print("|---|---|---|---|---|---|---|")
    for sp, layout in [(1, "zigzag"), (2, "zigzag"), (4, "zigzag"), (8, "zigzag"), (8, "contiguous")]:
        eng = engine(cfg, params, sp, layout)
        cache = eng.new_cache(args.tokens)
        memory = eng.step_memory(cache, ids)
        eng.free(cache)
        times = prefill_seconds(eng, ids, args.runs)
        counts = block_counts(args.tokens, sp, layout)
        print(f"| {sp} | {layout} | {statistics.median(times):.2f} | {', '.join(f'{t:.2f}' for t in times)} | "
              f"{memory / 2**20:.1f} | {' '.join(map(str, counts))} | {counts.max() / counts.min():.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
