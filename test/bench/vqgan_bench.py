#!/usr/bin/env python3
"""VQGAN encode throughput of the PyTorch reference (test/scripts/lwmref/vqgan.py): the Python side of vqgan-bench.sh.

    python vqgan_bench.py --weights VQGAN_PICKLE --frames FRAMES_F32 --batch B [--reps R] [--threads T]

Loads LWM's pickled parameter tree, encodes every frame of FRAMES_F32 (float32 NHWC 256x256x3, as written by
make_vqgan_fixtures.py) in batches of B after one warm-up pass, and prints one line:
    python encode frames=N batch=B threads=T best_s=... median_s=... frames_per_s=... cpu_s=... codes_sha=...
(cpu_s: the least process CPU time of one pass, all threads; steadier than wall time on a shared machine)
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import numpy as np
    import torch

    from lwmref import vqgan as V

    torch.set_num_threads(args.threads)
    with open(args.weights, "rb") as f:
        params = V.flatten(pickle.load(f))
    cfg = V.FULL if params["quantize/embeddings"].shape[0] == V.FULL.num_embeddings else V.SMALL
    model = V.Vqgan(cfg, params)
    frames = np.fromfile(args.frames, dtype="<f4").reshape(-1, V.RESOLUTION, V.RESOLUTION, 3)

    def encode():
        return np.concatenate([model.encode(frames[i:i + args.batch]) for i in range(0, len(frames), args.batch)])

    with torch.inference_mode():
        codes = encode()  # warm-up: oneDNN primitives are created on first use of each shape
        times, cpu = [], []
        for _ in range(args.reps):
            start, start_cpu = time.perf_counter(), time.process_time()
            encode()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    best = min(times)
    print(f"python encode frames={len(frames)} batch={args.batch} threads={args.threads} best_s={best:.3f} "
          f"median_s={statistics.median(times):.3f} frames_per_s={len(frames) / best:.3f} cpu_s={min(cpu):.3f} "
          f"codes_sha={hashlib.sha256(codes.astype('<i4').tobytes()).hexdigest()[:12]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
