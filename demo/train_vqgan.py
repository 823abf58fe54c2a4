"""Trains the demo VQGAN on freshly rendered scenes (a new batch every step, so it never sees a scene twice): the
encoder to output each patch's designed code (codes.py) from the degraded pixels, the decoder to draw the clean scene
back from the designed codes."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import augment
import codes
import world
from vqgan_net import FSQ_LEVELS, VqganNet


def scene_batch(rng, n: int):
    """(clean, degraded, digits) batches: 1–3 objects, sometimes an empty background or a frame of a moving clip."""
    clean, noisy, digits = [], [], []
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
        cover = world.coverage(scene, frame)
        img = world.render(scene, frame, cover)
        clean.append(img)
        noisy.append(augment.degrade(rng, img))
        digits.append(codes.digits(scene, frame, cover))
    return np.stack(clean), np.stack(noisy), np.stack(digits)


def nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(augment.to_model(images)).permute(0, 3, 1, 2).contiguous()


def train(steps: int, seed: int, batch: int = 16, lr: float = 1e-3, log=print) -> VqganNet:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    net = VqganNet(seed)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.99))
    spacing = (2 / (torch.tensor(FSQ_LEVELS, dtype=torch.float32) - 1)).view(1, -1, 1, 1)
    start, seen, hits = time.time(), [], []
    for step in range(steps):
        warm = min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        clean, noisy, digits = scene_batch(rng, batch)
        target_z = torch.from_numpy(codes.values(digits)).permute(0, 3, 1, 2)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            z = net.encode_latents(nchw(noisy), exact=False)
        head = z.float()[:, :len(FSQ_LEVELS)]
        # Encoder: each digit within a fifth of a level of its designed value; patches with an object weigh more.
        miss = F.relu((head - target_z).abs() - 0.2 * spacing) / spacing
        weight = 1 + 4 * torch.from_numpy((digits[..., 2] + digits[..., 3]) > 0).float()[:, None]
        enc_loss = (miss.pow(2) * weight).mean()
        # Decoder: the clean 128² image (its fixed top upsamples to 256²) from the designed codes. Pixels: L1 for
        # flat regions, squared error weighs the edges that carry the shape.
        q = torch.cat([target_z, target_z.new_zeros(batch, z.shape[1] - len(FSQ_LEVELS), 16, 16)], dim=1)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = net.decode_latents(q, top=False, exact=False)
        y, target = y.float(), F.avg_pool2d(nchw(clean), 2)
        dec_loss = (y - target).abs().mean() + 2.0 * (y - target).pow(2).mean()
        loss = 10 * enc_loss + dec_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        seen.append((enc_loss.item(), dec_loss.item()))
        _, got = net.quantize(z.float().detach())
        hits.append(float((got.numpy() == codes.index(digits)).mean()))
        if (step + 1) % 50 == 0 or step == steps - 1:
            e, d = np.mean(seen[-50:], axis=0)
            log(f"vqgan step {step + 1}/{steps} encoder {e:.4f} decoder {d:.4f} codes right "
                f"{np.mean(hits[-50:]):.3f} {time.time() - start:.0f}s")
    return net
