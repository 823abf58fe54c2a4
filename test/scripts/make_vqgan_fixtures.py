#!/usr/bin/env python3
"""VQGAN reference fixtures for the LWM Desktop Java port.

    python make_vqgan_fixtures.py --out DIR [--force]

For two configurations (LWM's full VQGAN and a quarter-width one) writes calibrated random weights as LWM's `vqgan`
pickle and as safetensors, generated 256x256 frames, and golden codes, latents, distance gaps and decoded pixels
from the PyTorch reference in lwmref/vqgan.py. Layout: test/VQGAN_FIXTURES.md.

Idempotent: DIR/.stamp holds a hash of the generator sources (this file, lwmref/vqgan*.py, requirements.txt); when
it matches, the script exits at once. Otherwise everything is written into a temporary sibling directory, verified
and renamed into place, so an interrupted run never leaves a partial set. 2 torch threads, fixed seeds:
the output is byte-for-byte reproducible (only manifest.json timings change).
"""
from __future__ import annotations

import glob
import json
import os
import pickle
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, HERE)
from lwmref import fixture_dir  # noqa: E402

FRAME_SEED = 2101
# name -> (parameter seed, frame kinds). The full model gets one frame to keep the Java tests quick; batching over
# frames is exercised by the small one.
CONFIGS = {
    "small": (2001, ("gradient_circles", "shapes", "noise", "photo")),
    "full": (2002, ("shapes",)),
}
# Extra pickles of the small weights in the other protocols LWM's file could have been written with.
EXTRA_PROTOCOLS = (2, 5)


def source_hash() -> str:
    files = [os.path.abspath(__file__), os.path.join(HERE, "requirements.txt")]
    return fixture_dir.source_hash(HERE, files + sorted(glob.glob(os.path.join(HERE, "lwmref", "vqgan*.py"))))


def write_config(out: str, name: str, log) -> dict:
    import numpy as np
    import torch
    from safetensors.numpy import load_file, save_file

    from lwmref import vqgan as V
    from lwmref import vqgan_data as D

    cfg = V.FULL if name == "full" else V.SMALL
    seed, kinds = CONFIGS[name]
    t0 = time.perf_counter()
    frames, images = D.frames(kinds, FRAME_SEED)
    params = D.calibrate(cfg, D.random_params(cfg, seed), frames, seed)
    count = sum(v.size for v in params.values())
    if cfg is V.FULL:
        assert count == V.FULL_PARAMETER_COUNT, count
    t_init = time.perf_counter() - t0

    # ---- weights: LWM's pickle of the nested param tree (pickle.dump's default protocol) and safetensors
    d = os.path.join(out, name)
    os.makedirs(d)
    with open(os.path.join(d, "vqgan"), "wb") as f:
        pickle.dump(V.to_tree(params), f)
    if cfg is V.SMALL:
        for protocol in EXTRA_PROTOCOLS:
            with open(os.path.join(d, f"vqgan.p{protocol}"), "wb") as f:
                pickle.dump(V.to_tree(params), f, protocol=protocol)
    save_file(params, os.path.join(d, "vqgan.safetensors"))
    os.chmod(os.path.join(d, "vqgan.safetensors"), 0o644)  # save_file creates it 0600
    for path in glob.glob(os.path.join(d, "vqgan*")):
        with open(path, "rb") as f:
            loaded = V.flatten(pickle.load(f)) if not path.endswith(".safetensors") else load_file(path)
        assert loaded.keys() == params.keys(), path
        for k, v in params.items():
            assert loaded[k].dtype == np.float32 and np.array_equal(loaded[k], v), (path, k)

    # ---- golden values from the reference, run on the weights as written
    t1 = time.perf_counter()
    model = V.Vqgan(cfg, params)
    latents = model.encode_latents(frames)
    codes, second, best_d, gap = (t.numpy() for t in model.quantize(latents))
    t_encode = time.perf_counter() - t1
    t2 = time.perf_counter()
    decoded = model.decode(codes)
    t_decode = time.perf_counter() - t2
    pixels_u8 = V.to_uint8(decoded)

    files = {
        "frames.f32": frames.astype("<f4"), "frames.u8": images,
        "codes.i32": codes.astype("<i4"), "second.i32": second.astype("<i4"), "gap.f32": gap.astype("<f4"),
        "best_distance.f32": best_d.astype("<f4"), "latents.f32": latents.numpy().astype("<f4"),
        "decoded.f32": decoded.astype("<f4"), "decoded.u8": pixels_u8,
    }
    for file, array in files.items():
        array.tofile(os.path.join(d, file))
    stats = {
        "distinct_codes": int(len(np.unique(codes))),
        "min_gap": float(gap.min()), "median_gap": float(np.median(gap)),
        "gaps_below_1e-3": int((gap < 1e-3).sum()),
        "latent_abs_max": float(np.abs(latents.numpy()).max()),
        "clipped_pixel_fraction": float((np.abs(decoded) >= 1.0).mean()),
    }
    golden = {
        "config": {"hidden_channels": cfg.hidden, "channel_mult": list(cfg.mult),
                   "num_res_blocks": cfg.num_res_blocks, "z_channels": cfg.z_channels,
                   "num_embeddings": cfg.num_embeddings, "quantized_embed_dim": cfg.embed_dim,
                   "resolution": V.RESOLUTION, "grid": cfg.grid},
        "parameter_count": int(count),
        "frames": len(kinds), "frame_kinds": list(kinds),
        "weights": sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, "vqgan*"))),
        "files": {file: list(array.shape) for file, array in files.items()},
        "stats": stats,
    }
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    seconds = {"init": t_init, "encode": t_encode, "decode": t_decode, "total": time.perf_counter() - t0}
    log(f"{name}: {count} parameters, {len(kinds)} frames, {stats['distinct_codes']} distinct codes, min gap "
        f"{stats['min_gap']:.2e}, {100 * stats['clipped_pixel_fraction']:.1f} % clipped | "
        + ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items()))
    return {"stats": stats, "seconds": seconds, "torch": torch.__version__}


def setup() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    import torch

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)


def main() -> int:
    return fixture_dir.main("make_vqgan_fixtures", __doc__, source_hash(), setup,
                            lambda tmp, log: {"configs": {name: write_config(tmp, name, log) for name in CONFIGS}},
                            ("torch", "safetensors", "numpy"))


if __name__ == "__main__":
    sys.exit(main())
