"""An independent renderer for the evaluation: Pillow's ImageDraw at 1× or supersampled 3×–4× and downscaled, pure
named colours, its own size, position and speed ranges, isosceles triangles. It shares nothing with world.py's
drawing code, so answers measured on its scenes are not answers about the training renderer's quirks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

PURE = {"red": (255, 0, 0), "green": (0, 170, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
        "white": (255, 255, 255), "black": (0, 0, 0)}
PLAIN = ((128, 128, 128), (200, 200, 200), (60, 60, 60), (245, 240, 225), (176, 208, 232), (20, 24, 64),
         (120, 70, 150), (250, 160, 60), (34, 110, 110), (255, 255, 255), (0, 0, 0))
SHAPES = ("circle", "square", "triangle")
MOVES = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1), "still": (0, 0)}


@dataclass(frozen=True)
class Item:
    kind: str
    color: str
    x: float
    y: float
    size: float  # full width
    direction: str
    speed: float  # pixels per frame


def _contrast(a, b) -> float:
    return float(np.sqrt(sum((x - y) ** 2 for x, y in zip(a, b))))


def draw(items, background, frame: int, scale: int) -> np.ndarray:
    canvas = Image.new("RGB", (256 * scale, 256 * scale), background)
    d = ImageDraw.Draw(canvas)
    for it in items:
        _shape(d, it, frame, scale, PURE[it.color])
    if scale > 1:
        canvas = canvas.resize((256, 256), Image.LANCZOS)
    return np.asarray(canvas)


def coverage_maps(items, frame: int, scale: int) -> np.ndarray:
    """(objects, 256, 256) float32: each item drawn alone, white on black, as `draw` draws it."""
    out = []
    for it in items:
        canvas = Image.new("L", (256 * scale, 256 * scale), 0)
        _shape(ImageDraw.Draw(canvas), it, frame, scale, 255)
        if scale > 1:
            canvas = canvas.resize((256, 256), Image.LANCZOS)
        out.append(np.clip(np.asarray(canvas, np.float32) / 255.0, 0.0, 1.0))
    return np.stack(out) if out else np.zeros((0, 256, 256), np.float32)


def _shape(d, it, frame: int, scale: int, fill) -> None:
    mx, my = MOVES[it.direction]
    cx, cy = (it.x + mx * it.speed * frame) * scale, (it.y + my * it.speed * frame) * scale
    h = it.size * scale / 2
    if it.kind == "circle":
        d.ellipse([cx - h, cy - h, cx + h, cy + h], fill=fill)
    elif it.kind == "square":
        d.rectangle([cx - h, cy - h, cx + h, cy + h], fill=fill)
    else:
        d.polygon([(cx, cy - h), (cx - h, cy + h * 0.8), (cx + h, cy + h * 0.8)], fill=fill)


def scene(rng, objects: int, frames: int, kinds=None, colors=None, directions=None):
    """(items, background, scale) with objects kept apart and inside the frame over the whole clip."""
    for _ in range(10000):
        background = PLAIN[int(rng.integers(len(PLAIN)))]
        ks = kinds or [SHAPES[int(i)] for i in rng.permutation(3)[:objects]]
        cs = colors or [str(rng.choice(list(PURE))) for _ in range(objects)]
        if min(_contrast(PURE[c], background) for c in cs) < 150:
            continue
        items = []
        for k, c, i in zip(ks, cs, range(objects)):
            direction = directions[i] if directions else ("still" if frames == 1 else
                                                          str(rng.choice(["left", "right", "up", "down"])))
            size = float(rng.uniform(36, 100 if objects == 1 else 70))
            speed = float(rng.uniform(8, 22)) if direction != "still" else 0.0
            mx, my = MOVES[direction]
            travel = speed * (frames - 1)
            lo_x, hi_x = size / 2 + 3 - min(0, mx * travel), 253 - size / 2 - max(0, mx * travel)
            lo_y, hi_y = size / 2 + 3 - min(0, my * travel), 253 - size / 2 - max(0, my * travel)
            if lo_x >= hi_x or lo_y >= hi_y:
                break
            it = Item(k, c, float(rng.uniform(lo_x, hi_x)), float(rng.uniform(lo_y, hi_y)), size, direction, speed)
            if all(_apart(it, o, frames) for o in items):
                items.append(it)
        if len(items) == objects:
            return items, background, int(rng.choice([1, 3, 4]))
    raise RuntimeError("no scene")


def _apart(a: Item, b: Item, frames: int) -> bool:
    for f in range(frames):
        ax, ay = a.x + MOVES[a.direction][0] * a.speed * f, a.y + MOVES[a.direction][1] * a.speed * f
        bx, by = b.x + MOVES[b.direction][0] * b.speed * f, b.y + MOVES[b.direction][1] * b.speed * f
        if np.hypot(ax - bx, ay - by) < 0.75 * (a.size + b.size) + 8:
            return False
    return True


def clip(items, background, frames: int, scale: int) -> np.ndarray:
    return np.stack([draw(items, background, f, scale) for f in range(frames)])
