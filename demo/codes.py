"""The demo VQGAN's designed codes: what each 16 × 16 patch's code says, computed by hand from the scene.

A code is six digits of the fixed grid codebook (vqgan_net.FSQ_LEVELS, levels 5·5·5·4·4·4):

* d0, d1: the background's lightness (0 darkest) and hue family (neutral, warm, yellow, green, blue), BACKGROUNDS,
  or COVERED when the object fills every quadrant of the patch;
* d2, d3: the colour of the patch's object (the shape covering most of it, if it covers at least TINY of it):
  none (0, 0), red (1, 0), green (2, 0), blue (3, 0), yellow (4, 0), white (0, 1), black (0, 2);
* d4, d5: which of the patch's four 8 × 8 quadrants the object covers at least half of: d4 = top left + 2 · top
  right, d5 = bottom left + 2 · bottom right.

The encoder is trained to output these digits and the decoder to draw the scene back from them, so the language
model reads and writes near-symbolic tokens: a colour digit per patch and the object's outline at 8-pixel steps.
"""
from __future__ import annotations

import numpy as np

import world

FSQ_LEVELS = (5, 5, 5, 4, 4, 4)  # vqgan_net.FSQ_LEVELS
GRID = 16
BACKGROUNDS = {
    "black": (0, 0), "dark gray": (1, 0), "gray": (2, 0), "light gray": (3, 0), "white": (4, 0),
    "brown": (1, 1), "red": (2, 1), "orange": (3, 1), "pink": (4, 1),
    "yellow": (4, 2), "beige": (3, 2),
    "teal": (1, 3), "green": (2, 3), "pale green": (4, 3),
    "navy": (0, 4), "blue": (1, 4), "purple": (2, 4), "light blue": (4, 4),
}
COVERED = (0, 2)
TINY = 0.06
COLOR_DIGITS = {"red": (1, 0), "green": (2, 0), "blue": (3, 0), "yellow": (4, 0), "white": (0, 1), "black": (0, 2)}


def digits(scene: world.Scene, frame: int = 0, cover: np.ndarray | None = None) -> np.ndarray:
    """(16, 16, 6) int64 digits of the scene's frame (`cover`: world.coverage of it, if already computed)."""
    cover = world.coverage(scene, frame) if cover is None else cover
    out = np.zeros((GRID, GRID, len(FSQ_LEVELS)), np.int64)
    out[..., 0], out[..., 1] = BACKGROUNDS[scene.background]
    if not len(scene.shapes):
        return out
    n = len(scene.shapes)
    quad = cover.reshape(n, 2 * GRID, 8, 2 * GRID, 8).mean(axis=(2, 4)).reshape(n, GRID, 2, GRID, 2)
    quad = quad.transpose(0, 1, 3, 2, 4)  # (objects, row, column, top/bottom, left/right)
    patch = quad.mean(axis=(3, 4))
    dominant = patch.argmax(0)
    present = patch.max(0) >= TINY
    q = np.take_along_axis(quad, dominant[None, ..., None, None], 0)[0] >= 0.5
    q &= present[..., None, None]
    color = np.array([COLOR_DIGITS[s.color] for s in scene.shapes])[dominant]
    out[..., 2:4] = np.where(present[..., None], color, 0)
    out[..., 4] = q[..., 0, 0] + 2 * q[..., 0, 1]
    out[..., 5] = q[..., 1, 0] + 2 * q[..., 1, 1]
    full = q.all(axis=(2, 3))
    out[full, 0], out[full, 1] = COVERED
    return out


def index(d: np.ndarray) -> np.ndarray:
    """Digits (..., 6) -> codebook row (...), last digit fastest (vqgan_net.fsq_codebook's order)."""
    out = np.zeros(d.shape[:-1], np.int64)
    for k, n in enumerate(FSQ_LEVELS):
        out = out * n + d[..., k]
    return out


def values(d: np.ndarray) -> np.ndarray:
    """Digits (..., 6) -> the codebook row's coordinates (..., 6) in [-1, 1]."""
    levels = np.asarray(FSQ_LEVELS, np.float32)
    return (d.astype(np.float32) * 2 / (levels - 1) - 1).astype(np.float32)
