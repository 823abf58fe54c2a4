"""Inputs for the VQGAN fixtures: random weights calibrated to behave like a trained model, and generated frames.

Random weights alone make a poor test: the quantizer would pick a handful of codes and the decoder would saturate at
the clip bounds. So, deterministically and from the frames themselves:
  * the codebook is drawn around the encoder's latent distribution (per-channel mean and 0.9 x std), so nearest
    codes are spread over the whole codebook;
  * the decoder's output conv is rescaled so the pre-clip pixels have mean 0 and std 0.5 per channel (about 5 %
    of the pixels are then clipped, which the clip test needs).
"""
from __future__ import annotations

import numpy as np

from . import vqgan as V


def random_params(cfg: V.VqganConfig, seed: int) -> dict:
    """Uncalibrated weights: kernels N(0, 1/fan_in), conv biases N(0, 0.05), GroupNorm scale U(0.8, 1.2) and bias
    N(0, 0.1); the codebook is a placeholder until calibrate() replaces it."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in V.param_shapes(cfg).items():
        if name.endswith("/kernel"):
            fan_in = shape[0] * shape[1] * shape[2]
            value = rng.standard_normal(shape, dtype=np.float32) * np.float32(1.0 / np.sqrt(fan_in))
        elif name.endswith("/scale"):
            value = rng.uniform(0.8, 1.2, shape).astype(np.float32)
        elif "GroupNorm" in name:
            value = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
        elif name == "quantize/embeddings":
            value = np.zeros(shape, np.float32)
        else:
            value = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.05)
        params[name] = value
    return params


def calibrate(cfg: V.VqganConfig, params: dict, frames: np.ndarray, seed: int) -> dict:
    """Returns a copy with the codebook and the decoder's output conv fitted to `frames` (see the module doc)."""
    params = dict(params)
    rng = np.random.default_rng(seed + 1)
    z = V.Vqgan(cfg, params).encode_latents(frames).numpy().reshape(-1, cfg.embed_dim)
    mean, std = z.mean(0), z.std(0)
    noise = rng.standard_normal((cfg.num_embeddings, cfg.embed_dim), dtype=np.float32)
    params["quantize/embeddings"] = (mean + noise * (np.float32(0.9) * std)).astype(np.float32)

    model = V.Vqgan(cfg, params)
    pixels = model.decode_unclipped(model.encode(frames)).numpy().reshape(-1, cfg.in_channels)
    gain = (0.5 / pixels.std(0)).astype(np.float32)
    shift = pixels.mean(0).astype(np.float32)
    params["decoder/Conv_1/kernel"] = (params["decoder/Conv_1/kernel"] * gain).astype(np.float32)
    params["decoder/Conv_1/bias"] = ((params["decoder/Conv_1/bias"] - shift) * gain).astype(np.float32)
    return params


# ---- frames: uint8 RGB images made float32 in [-1, 1] exactly as LWM does (x / 127.5 - 1)

def _grid():
    y, x = np.mgrid[0:V.RESOLUTION, 0:V.RESOLUTION].astype(np.float32) / (V.RESOLUTION - 1)
    return y, x


def _gradient_circles(rng):
    y, x = _grid()
    img = np.stack([x, y, 1.0 - 0.5 * (x + y)], -1)
    for _ in range(5):
        cy, cx, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.25)
        soft = np.clip(1.0 - np.sqrt((y - cy) ** 2 + (x - cx) ** 2) / r, 0.0, 1.0)[..., None]
        img = img * (1 - soft) + rng.uniform(0, 1, 3) * soft
    return img


def _shapes(rng):
    y, x = _grid()
    img = np.stack([0.2 + 0.3 * y, 0.3 + 0.2 * x, 0.5 + 0.0 * x], -1)
    for _ in range(6):
        y0, x0 = rng.uniform(0, 0.8, 2)
        h, w = rng.uniform(0.05, 0.4, 2)
        inside = (y >= y0) & (y < y0 + h) & (x >= x0) & (x < x0 + w)
        img[inside] = rng.uniform(0, 1, 3)
    for _ in range(3):
        cy, cx, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.15)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(0, 1, 3)
    stripes = (np.floor(x * 24) % 2 == 0) & (y > 0.85)
    img[stripes] = (0.95, 0.95, 0.1)
    img[(y + x > 1.6) & (y - x < 0.1) & (y > 0.6)] = (0.1, 0.1, 0.1)  # a triangle
    return img


def _noise(rng):
    coarse = rng.uniform(0, 1, (16, 16, 3)).astype(np.float32)
    smooth = np.kron(coarse, np.ones((16, 16, 1), np.float32))
    kernel = np.ones(9, np.float32) / 9
    for axis in (0, 1):
        smooth = np.apply_along_axis(lambda v: np.convolve(np.pad(v, 4, mode="edge"), kernel, "valid"), axis, smooth)
    return 0.8 * smooth + 0.2 * rng.uniform(0, 1, smooth.shape)


def _photo(rng):
    y, x = _grid()
    img = np.zeros((V.RESOLUTION, V.RESOLUTION, 3), np.float32)
    for c in range(3):
        for _ in range(4):
            fy, fx, phase = rng.uniform(1, 12), rng.uniform(1, 12), rng.uniform(0, 2 * np.pi)
            img[..., c] += np.sin(2 * np.pi * (fy * y + fx * x) + phase) * rng.uniform(0.05, 0.2)
    vignette = 1.0 - 0.6 * ((y - 0.5) ** 2 + (x - 0.5) ** 2)
    return (0.5 + img) * vignette[..., None]


FRAME_KINDS = {"gradient_circles": _gradient_circles, "shapes": _shapes, "noise": _noise, "photo": _photo}


def frames(kinds, seed: int):
    """(len(kinds), 256, 256, 3) float32 in [-1, 1], and the uint8 images they came from."""
    rng = np.random.default_rng(seed)
    images = np.stack([(np.clip(FRAME_KINDS[k](rng), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8) for k in kinds])
    return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0), images
