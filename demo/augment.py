"""What a frame goes through before the model sees it in a real file: JPEG or H.264-style 4:2:0 chroma subsampling
and quantisation, and a little sensor-like noise. Training inputs are degraded this way; reconstruction targets stay
clean, so the codes of a scene do not depend on how its file was compressed."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=int(quality), subsampling=2)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def degrade(rng, img: np.ndarray, p_jpeg: float = 0.5, p_noise: float = 0.3) -> np.ndarray:
    out = img
    if rng.random() < p_jpeg:
        out = jpeg(out, int(rng.integers(45, 96)))
    if rng.random() < p_noise:
        noise = rng.normal(0.0, rng.uniform(0.5, 3.0), out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return out


def to_model(images: np.ndarray) -> np.ndarray:
    """uint8 (..., 256, 256, 3) -> float32 in [-1, 1], LWM's x / 127.5 - 1."""
    return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
