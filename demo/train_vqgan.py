"""Trains the demo VQGAN on freshly rendered scenes (a new batch every step, so it never sees a scene twice)."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import augment
import world
from vqgan_net import FSQ_LEVELS, VqganNet


def scene_batch(rng, n: int):
    """(clean, degraded) uint8 batches: 1–3 objects, sometimes an empty background or a frame of a moving clip."""
    clean, noisy = [], []
    for _ in range(n):
        r = rng.random()
        if r < 0.04:
            scene = world.sample_scene(rng, 1)
            scene = world.Scene(scene.background, scene.bg_rgb, (), 1, scene.supersample)
            img = world.render(scene)
        elif r < 0.25:
            scene = world.sample_scene(rng, frames=int(rng.integers(2, 9)))
            img = world.render(scene, int(rng.integers(0, scene.frames)))
        else:
            img = world.render(world.sample_scene(rng, r_range=(10.0, 72.0)))
        clean.append(img)
        noisy.append(augment.degrade(rng, img))
    return np.stack(clean), np.stack(noisy)


def nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(augment.to_model(images)).permute(0, 3, 1, 2).contiguous()


def train(steps: int, seed: int, batch: int = 16, lr: float = 3e-4, log=print) -> VqganNet:
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
        clean, noisy = scene_batch(rng, batch)
        # The decoder learns the 128² image its fixed top upsamples to 256².
        target, x = F.avg_pool2d(nchw(clean), 2), nchw(noisy)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            z = net.encode_latents(x, exact=False)
        z = z.float()
        q, codes = net.quantize(z)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = net.decode_latents(q, top=False, exact=False)
        y = y.float()
        head = z[:, :len(FSQ_LEVELS)]
        # Pixels: L1 for flat regions, squared error weighs the edges that carry the shape; keep latents in the grid.
        loss = (y - target).abs().mean() + 2.0 * (y - target).pow(2).mean() + F.relu(head.abs() - 1).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        seen.append(loss.item())
        if (step + 1) % 50 == 0 or step == steps - 1:
            used = len(np.unique(codes.numpy()))
            log(f"vqgan step {step + 1}/{steps} loss {np.mean(seen[-50:]):.4f} codes/batch {used} "
                f"{time.time() - start:.0f}s")
    return net
