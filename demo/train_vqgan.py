"""Trains the demo VQGAN on freshly rendered scenes (a new batch every step, so it never sees a scene twice): the
encoder as a classifier of each patch's designed code (codes.py) from the degraded frame a file would give, the
decoder to draw the clean frame from the designed codes."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import augment
import codes as K
import world
from vqgan_net import VqganNet

OBJECT_WEIGHT = 4.0  # object patches are few and carry the answers: their codes weigh more than the background's
SHAPE_WEIGHT = 1.0  # the shape is the hardest block to learn (it needs the whole object): an extra loss on it


def scene_batch(rng, n: int):
    """(clean, degraded, codes) of n frames: 1–3 objects, sometimes an empty background or a frame of a moving clip."""
    clean, noisy, targets = [], [], []
    for _ in range(n):
        r = rng.random()
        frame = 0
        if r < 0.04:
            scene = world.sample_scene(rng, 1)
            scene = world.Scene(scene.background, scene.bg_rgb, (), 1, scene.supersample)
        elif r < 0.25:
            scene = world.sample_scene(rng, frames=int(rng.integers(2, 9)))
            frame = int(rng.integers(0, scene.frames))
        else:
            scene = world.sample_scene(rng, r_range=(10.0, 72.0))
        maps = world.coverage_maps(scene, frame)
        img = world.composite(scene, maps)
        clean.append(img)
        noisy.append(augment.degrade(rng, img))
        targets.append(K.frame_codes(scene, frame, maps))
    return np.stack(clean), np.stack(noisy), torch.from_numpy(np.stack(targets)).view(n, K.GRID, K.GRID)


def nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(augment.to_model(images)).permute(0, 3, 1, 2).contiguous()


SHAPE_OF = torch.tensor([K.blocks_of(c).get("shape", 0) for c in range(K.CODES)])


def code_loss(net: VqganNet, z: torch.Tensor, target: torch.Tensor):
    """(weighted cross-entropy of the designed codes, patches right)."""
    scores = net.scores(z.float())
    flat = target.reshape(-1)
    objects = flat >= K.BACKGROUND_CODES
    weight = torch.where(objects, OBJECT_WEIGHT, 1.0)
    loss = (F.cross_entropy(scores, flat, reduction="none") * weight).sum() / weight.sum()
    if objects.any():
        at, size = K.BLOCKS["shape"]
        shape_scores = net.patch_latents(z.float())[objects, at:at + size]
        loss = loss + SHAPE_WEIGHT * F.cross_entropy(shape_scores, SHAPE_OF[flat[objects]])
    return loss, (scores.argmax(1) == flat).float().mean().item()


def train(steps: int, seed: int, batch: int = 16, drawn: int = 8, lr: float = 1e-3, log=print) -> VqganNet:
    """`batch` frames a step for the encoder, the first `drawn` of them for the decoder (drawing costs more)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    net = VqganNet(seed)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.99))
    start, seen = time.time(), []
    for step in range(steps):
        warm = min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        clean, noisy, target = scene_batch(rng, batch)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            z = net.encode_latents(nchw(noisy), exact=False)
        classify, right = code_loss(net, z, target)
        # The decoder learns the 128² image its fixed top upsamples to 256², from the designed codes.
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = net.decode_latents(net.rows(target[:drawn]), top=False, exact=False)
        y, goal = y.float(), F.avg_pool2d(nchw(clean[:drawn]), 2)
        # Pixels: L1 for flat regions, squared error weighs the edges that carry the shape.
        draw = (y - goal).abs().mean() + 2.0 * (y - goal).pow(2).mean()
        loss = classify + 4.0 * draw
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        seen.append((classify.item(), draw.item(), right))
        if (step + 1) % 50 == 0 or step == steps - 1:
            c, d, r = np.mean(seen[-50:], axis=0)
            log(f"vqgan step {step + 1}/{steps} codes {c:.3f} ({r:.1%} right) pixels {d:.4f} {time.time() - start:.0f}s")
    return net
