"""Encoded scenes for the language model: images and 2–8 frame clips rendered, degraded as a real file would be, and
VQGAN-encoded in float32 (the codes the Java engine computes for the same pixels)."""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict

import numpy as np
import torch

import augment
import world

OBJECT_COUNTS = (1, 2, 3)


def scene_to_json(scene: world.Scene) -> dict:
    return asdict(scene)


def scene_from_json(d: dict) -> world.Scene:
    shapes = tuple(world.Shape(**{**s, "rgb": tuple(s["rgb"])}) for s in d["shapes"])
    return world.Scene(d["background"], tuple(d["bg_rgb"]), shapes, d["frames"], d["supersample"])


def sample_scenes(rng, n: int, clips: bool) -> list:
    p = (0.5, 0.3, 0.2) if clips else (0.45, 0.3, 0.25)
    return [world.sample_scene(rng, int(rng.choice(OBJECT_COUNTS, p=p)),
                               int(rng.integers(2, 9)) if clips else 1) for _ in range(n)]


@torch.no_grad()
def encode(net, frames: np.ndarray, batch: int = 16) -> np.ndarray:
    """(N, 256, 256, 3) uint8 -> (N, 256) int32 codes, float32 throughout."""
    out = []
    for i in range(0, len(frames), batch):
        x = torch.from_numpy(augment.to_model(frames[i:i + batch])).permute(0, 3, 1, 2).contiguous()
        _, codes = net.quantize(net.encode_latents(x, exact=False))  # same values, fixed front end computed directly
        out.append(codes.reshape(len(x), -1).numpy().astype(np.int32))
    return np.concatenate(out)


def build(net, path: str, images: int, clips: int, seed: int, log=print) -> None:
    rng = np.random.default_rng(seed)
    start = time.time()
    record = {}
    for name, n, is_clip in (("images", images, False), ("clips", clips, True)):
        scenes = sample_scenes(rng, n, is_clip)
        codes, offsets = [], [0]
        for k in range(0, n, 64):
            part = scenes[k:k + 64]
            frames = np.concatenate([world.render_clip(s) for s in part])
            frames = np.stack([augment.degrade(rng, f, p_jpeg=0.6 if is_clip else 0.5) for f in frames])
            codes.append(encode(net, frames))
            offsets.extend(offsets[-1] + s.frames for s in part)
            log(f"encoded {name} {min(k + 64, n)}/{n} ({time.time() - start:.0f}s)")
        record[name] = {"scenes": [scene_to_json(s) for s in scenes], "offsets": offsets}
        np.save(f"{path}.{name}.npy", np.concatenate(codes))
    with open(f"{path}.json", "w") as f:
        json.dump(record, f)


class Pools:
    def __init__(self, path: str):
        with open(f"{path}.json") as f:
            record = json.load(f)
        self.items = {}
        for name in ("images", "clips"):
            codes = np.load(f"{path}.{name}.npy")
            offsets = record[name]["offsets"]
            self.items[name] = [(scene_from_json(s), codes[offsets[i]:offsets[i + 1]])
                                for i, s in enumerate(record[name]["scenes"])]

    def __getitem__(self, name):
        return self.items[name]

    @staticmethod
    def exists(path: str) -> bool:
        return os.path.exists(f"{path}.json")
