"""The demo model's world: 256×256 scenes and short clips of simple shapes in named colours on plain backgrounds.

A scene is data (shapes, colours, positions, motion); `render` draws one frame of it with numpy, testing 1×–4×
supersamples of each pixel against each shape, so edges are antialiased (1× = hard edges). The evaluation draws its scenes with
an independent renderer (`eval_render.py`, Pillow) and other size and position ranges.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZE = 256
SHAPES = ("circle", "square", "triangle")
COLORS = ("red", "green", "blue", "yellow", "white", "black")
DIRECTIONS = ("left", "right", "up", "down")
STILL = "still"
MOTION = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1), STILL: (0, 0)}

# Per colour, the range each RGB channel is drawn from: pure named colours and the shades around them.
COLOR_RANGES = {
    "red": ((175, 255), (0, 60), (0, 60)),
    "green": ((0, 70), (110, 255), (0, 80)),
    "blue": ((0, 50), (0, 110), (170, 255)),
    "yellow": ((215, 255), (195, 255), (0, 80)),
    "white": ((230, 255),) * 3,
    "black": ((0, 32),) * 3,
}
# Greys and the neutral named colours are drawn as one level with a little tint, not three independent channels.
NEUTRAL = {"white", "black", "gray", "light gray", "dark gray"}
NEUTRAL_TINT = 5

# Plain backgrounds: greys, muted tints, and the named colours themselves (never an object's own colour).
BACKGROUNDS = {
    "gray": ((95, 165),) * 3,
    "light gray": ((175, 215),) * 3,
    "dark gray": ((40, 85),) * 3,
    "beige": ((215, 240), (200, 225), (160, 195)),
    "light blue": ((150, 190), (185, 215), (215, 240)),
    "navy": ((10, 40), (20, 50), (60, 100)),
    "purple": ((95, 140), (40, 80), (120, 165)),
    "orange": ((225, 250), (130, 170), (30, 70)),
    "pink": ((230, 250), (165, 200), (190, 215)),
    "brown": ((100, 140), (65, 95), (35, 60)),
    "teal": ((0, 40), (100, 140), (100, 140)),
    "pale green": ((175, 205), (210, 235), (165, 195)),
    **{c: COLOR_RANGES[c] for c in COLORS},
}

MIN_CONTRAST = 110.0  # RGB distance between an object and its background


@dataclass(frozen=True)
class Shape:
    kind: str
    color: str
    rgb: tuple
    cx: float  # centre in frame 0, pixels
    cy: float
    r: float  # half extent: circle radius, square half side, triangle circumradius
    angle: float  # radians (squares and triangles)
    direction: str  # left, right, up, down or still
    step: float  # pixels per frame along the direction
    aspect: float = 1.0  # a triangle's height over an equilateral one's, so that not every triangle is equilateral

    def centre(self, frame: int) -> tuple:
        mx, my = MOTION[self.direction]
        return self.cx + mx * self.step * frame, self.cy + my * self.step * frame


@dataclass(frozen=True)
class Scene:
    background: str
    bg_rgb: tuple
    shapes: tuple
    frames: int = 1
    supersample: int = 4

    def objects(self) -> int:
        return len(self.shapes)


def _rgb(rng, ranges, neutral: bool = False) -> tuple:
    if neutral:
        lo, hi = ranges[0]
        level = int(rng.integers(lo, hi + 1))
        return tuple(int(np.clip(level + rng.integers(-NEUTRAL_TINT, NEUTRAL_TINT + 1), lo, hi)) for _ in range(3))
    return tuple(int(rng.integers(lo, hi + 1)) for lo, hi in ranges)


def _distance(a, b) -> float:
    return float(np.sqrt(sum((x - y) ** 2 for x, y in zip(a, b))))


def sample_scene(rng: np.random.Generator, objects: int | None = None, frames: int = 1, *, kinds=None, colors=None,
                 directions=None, distinct_kinds: bool | None = None, r_range=(14.0, 64.0),
                 travel_range=(30.0, 130.0), margin: float = 2.0) -> Scene:
    """A random scene. `kinds`, `colors`, `directions` fix each object's attribute (lists of length `objects`);
    `distinct_kinds` (default: mostly) keeps the shapes of a scene different, so "the circle" names one object."""
    objects = objects or int(rng.integers(1, 4))
    if distinct_kinds is None:
        distinct_kinds = rng.random() < 0.85
    for _ in range(1000):
        if kinds is None:
            ks = [str(k) for k in rng.choice(SHAPES, objects, replace=not distinct_kinds)]
        else:
            ks = list(kinds)
        cs = list(colors) if colors is not None else [str(rng.choice(COLORS)) for _ in range(objects)]
        bg_candidates = [b for b in BACKGROUNDS if b not in cs]
        background = str(rng.choice(bg_candidates))
        bg_rgb = _rgb(rng, BACKGROUNDS[background], background in NEUTRAL)
        rgbs = [_rgb(rng, COLOR_RANGES[c], c in NEUTRAL) for c in cs]
        if min(_distance(c, bg_rgb) for c in rgbs) < MIN_CONTRAST:
            continue
        shapes = _place(rng, ks, cs, rgbs, frames, directions, r_range, travel_range, margin)
        if shapes is not None:
            return Scene(background, bg_rgb, tuple(shapes), frames, int(rng.choice([1, 2, 4, 4])))
    raise RuntimeError("could not place the scene's objects")


def _place(rng, kinds, colors, rgbs, frames, directions, r_range, travel_range, margin):
    shapes = []
    # Several objects get smaller sizes so that they fit side by side.
    top = r_range[1] if len(kinds) == 1 else min(r_range[1], 48.0 if len(kinds) == 2 else 38.0)
    for i, (kind, color, rgb) in enumerate(zip(kinds, colors, rgbs)):
        direction = directions[i] if directions is not None else (
            STILL if frames == 1 else str(rng.choice(DIRECTIONS + (STILL,), p=[0.22, 0.22, 0.22, 0.22, 0.12])))
        for _ in range(200):
            r = float(rng.uniform(r_range[0], top))
            aspect = float(rng.uniform(0.8, 1.2)) if kind == "triangle" else 1.0
            extent = r * (1.42 if kind == "square" else aspect)
            step = 0.0
            if direction != STILL and frames > 1:
                step = float(rng.uniform(*travel_range)) / (frames - 1)
            mx, my = MOTION[direction]
            travel_x, travel_y = mx * step * (frames - 1), my * step * (frames - 1)
            lo_x, hi_x = extent + margin - min(0, travel_x), SIZE - extent - margin - max(0, travel_x)
            lo_y, hi_y = extent + margin - min(0, travel_y), SIZE - extent - margin - max(0, travel_y)
            if lo_x >= hi_x or lo_y >= hi_y:
                continue
            cx, cy = float(rng.uniform(lo_x, hi_x)), float(rng.uniform(lo_y, hi_y))
            angle = 0.0
            if kind == "square":
                angle = float(rng.uniform(-0.14, 0.14))
            elif kind == "triangle":
                angle = float(rng.choice([0.0, 0.0, 0.0, np.pi])) + float(rng.uniform(-0.12, 0.12))
            s = Shape(kind, color, rgb, cx, cy, r, angle, direction, step, aspect)
            if all(_apart(s, o, frames) for o in shapes):
                shapes.append(s)
                break
        else:
            return None
    return shapes


def _apart(a: Shape, b: Shape, frames: int) -> bool:
    for f in range(frames):
        (ax, ay), (bx, by) = a.centre(f), b.centre(f)
        if np.hypot(ax - bx, ay - by) < 1.45 * (a.r + b.r) + 6:
            return False
    return True


# ---------------------------------------------------------------- rendering

def _inside(shape: Shape, x: np.ndarray, y: np.ndarray, frame: int) -> np.ndarray:
    cx, cy = shape.centre(frame)
    dx, dy = x - cx, y - cy
    if shape.kind == "circle":
        return dx * dx + dy * dy <= shape.r * shape.r
    c, s = np.cos(-shape.angle), np.sin(-shape.angle)
    u, v = dx * c - dy * s, dx * s + dy * c  # into the shape's own frame
    if shape.kind == "square":
        return (np.abs(u) <= shape.r) & (np.abs(v) <= shape.r)
    # Triangle pointing up (v grows downwards): vertices at 90°, 210°, 330° on the circumcircle, stretched by aspect.
    v = v / shape.aspect
    inside = np.ones_like(u, dtype=bool)
    for k in range(3):
        a0 = -np.pi / 2 + 2 * np.pi * k / 3
        a1 = -np.pi / 2 + 2 * np.pi * (k + 1) / 3
        x0, y0 = shape.r * np.cos(a0), shape.r * np.sin(a0)
        x1, y1 = shape.r * np.cos(a1), shape.r * np.sin(a1)
        inside &= (x1 - x0) * (v - y0) - (y1 - y0) * (u - x0) >= 0
    return inside


def coverage(shape: Shape, frame: int, supersample: int):
    """(y0, x0, cover): the fraction of each pixel of the box at (y0, x0) that `shape` covers in `frame`, testing
    `supersample`² points per pixel; None when the box is outside the frame."""
    cx, cy = shape.centre(frame)
    reach = shape.r * 1.5 + 2
    x0, x1 = max(0, int(cx - reach)), min(SIZE, int(cx + reach) + 1)
    y0, y1 = max(0, int(cy - reach)), min(SIZE, int(cy + reach) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    offsets = (np.arange(supersample, dtype=np.float32) + 0.5) / supersample
    xs = (np.arange(x0, x1, dtype=np.float32)[:, None] + offsets[None, :]).reshape(-1)
    ys = (np.arange(y0, y1, dtype=np.float32)[:, None] + offsets[None, :]).reshape(-1)
    inside = _inside(shape, xs[None, :], ys[:, None], frame)
    return y0, x0, inside.reshape(y1 - y0, supersample, x1 - x0, supersample).mean(axis=(1, 3))


def coverage_maps(scene: Scene, frame: int = 0) -> np.ndarray:
    """(objects, 256, 256) float32: how much of each pixel each object covers (at the scene's supersampling)."""
    out = np.zeros((len(scene.shapes), SIZE, SIZE), np.float32)
    for k, shape in enumerate(scene.shapes):
        box = coverage(shape, frame, scene.supersample)
        if box is not None:
            y0, x0, cover = box
            out[k, y0:y0 + cover.shape[0], x0:x0 + cover.shape[1]] = cover
    return out


def composite(scene: Scene, maps: np.ndarray) -> np.ndarray:
    """(256, 256, 3) uint8: the background, then each shape blended in by its coverage map."""
    img = np.empty((SIZE, SIZE, 3), np.float32)
    img[:] = np.asarray(scene.bg_rgb, np.float32)
    for shape, cover in zip(scene.shapes, maps):
        cover = cover[..., None]
        img = img * (1 - cover) + np.asarray(shape.rgb, np.float32) * cover
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def render(scene: Scene, frame: int = 0) -> np.ndarray:
    """(256, 256, 3) uint8 frame of a scene."""
    return composite(scene, coverage_maps(scene, frame))


def render_clip(scene: Scene) -> np.ndarray:
    """(frames, 256, 256, 3) uint8."""
    return np.stack([render(scene, f) for f in range(scene.frames)])
