"""The demo VQGAN's code space, designed so that a patch's code says what is in it in words the language model can
read off: a 16 × 16 patch is either background, coded by its colour, or part of an object, coded by the object's
colour and shape, how the object's edge crosses the patch, and whether the object's centre is in it.

* background: (r, g, b), each channel quantized to 6 levels                                   216 codes
* object: colour (6) × shape (3) × outline (25: inside, or the outward normal of the edge in 8 directions ×
  3 levels of how much of the patch is covered) × centre (2)                                    900 codes

Each code's codebook row is one-hot in four blocks of a 64-dimensional vector (background: 'none', R, G, B;
object: colour, shape, outline, centre), so every row has the same norm and LWM's Euclidean argmin over the
codebook picks the code whose blocks the encoder scores highest: an encoder that outputs the blocks' scores is
a classifier whose argmax LWM's quantizer computes. Rows past the 1116 codes repeat row 0 (argmin takes the first
of equal rows, so they are never chosen).

`frame_codes` computes the code of every patch of a rendered scene from the renderer's exact coverage: the
targets the encoder is trained to output and the decoder to draw from.
"""
from __future__ import annotations

import numpy as np

import world

ROWS, EMBED = 8192, 64
GRID, PATCH = 16, 16
BG_LEVELS = 6
NORMALS = 8  # outward normal: 0 = right (+x), counting towards +y (down) in 45° steps
COVER_LEVELS = (0.15, 0.4, 0.65, 0.9)  # below the first: background; from the last: inside
OUTLINES = 1 + NORMALS * (len(COVER_LEVELS) - 1)
BACKGROUND_CODES = BG_LEVELS ** 3
OBJECT_CODES = len(world.COLORS) * len(world.SHAPES) * OUTLINES * 2
CODES = BACKGROUND_CODES + OBJECT_CODES

# Blocks of the 64-dimensional latent: name -> (offset, size).
BLOCKS = {}
_at = 0
for _name, _size in (("none", 1), ("r", BG_LEVELS), ("g", BG_LEVELS), ("b", BG_LEVELS),
                     ("color", len(world.COLORS)), ("shape", len(world.SHAPES)), ("outline", OUTLINES),
                     ("centre", 2)):
    BLOCKS[_name] = (_at, _size)
    _at += _size
USED_DIMS = _at
OBJECT_BLOCKS = ("color", "shape", "outline", "centre")


def background_code(r: int, g: int, b: int) -> int:
    return (r * BG_LEVELS + g) * BG_LEVELS + b


def object_code(color: int, shape: int, outline: int, centre: int) -> int:
    return BACKGROUND_CODES + ((color * len(world.SHAPES) + shape) * OUTLINES + outline) * 2 + centre


def blocks_of(code: int) -> dict:
    """{block name: index within the block} of a code."""
    if code < BACKGROUND_CODES:
        return {"none": 0, "r": code // BG_LEVELS ** 2, "g": code // BG_LEVELS % BG_LEVELS, "b": code % BG_LEVELS}
    rest = code - BACKGROUND_CODES
    centre, rest = rest % 2, rest // 2
    outline, rest = rest % OUTLINES, rest // OUTLINES
    return {"color": rest // len(world.SHAPES), "shape": rest % len(world.SHAPES), "outline": outline,
            "centre": centre}


def codebook() -> np.ndarray:
    """(8192, 64) float32: the one-hot block rows of the codes, then copies of row 0."""
    book = np.zeros((ROWS, EMBED), np.float32)
    for code in range(CODES):
        book[code, [BLOCKS[name][0] + i for name, i in blocks_of(code).items()]] = 1.0
    book[CODES:] = book[0]
    return book


def level(value: float) -> int:
    return int(np.clip(np.rint(value * (BG_LEVELS - 1) / 255.0), 0, BG_LEVELS - 1))


def outline_of(cover: float, outward: tuple) -> int:
    """0 inside; else 1 + normal · 3 + coverage level."""
    if cover >= COVER_LEVELS[-1]:
        return 0
    step = int(np.searchsorted(COVER_LEVELS[1:-1], cover, side="right"))
    angle = np.arctan2(outward[1], outward[0])
    normal = int(np.rint(angle / (np.pi / 4))) % NORMALS
    return 1 + normal * (len(COVER_LEVELS) - 1) + step


def codes_from_coverage(maps: np.ndarray, objects, bg_rgb) -> np.ndarray:
    """(256,) codes of a frame from its objects' (K, 256, 256) coverage maps; `objects` have a `color` and a `kind`
    (world.Shape, or the independent renderer's items)."""
    colors = [world.COLORS.index(o.color) for o in objects]
    shapes = [world.SHAPES.index(o.kind) for o in objects]
    k = len(maps)
    bg = background_code(*(level(c) for c in bg_rgb))
    out = np.full((GRID, GRID), bg, np.int64)
    if k == 0:
        return out.reshape(-1)
    patches = maps.reshape(k, GRID, PATCH, GRID, PATCH)
    cover = patches.mean(axis=(2, 4))  # (K, 16, 16)
    offsets = np.arange(PATCH, dtype=np.float32) + 0.5 - PATCH / 2
    mass = np.maximum(patches.sum(axis=(2, 4)), 1e-6)
    mx = (patches.sum(axis=2) * offsets).sum(axis=-1) / mass  # covered centroid relative to the patch centre
    my = (patches.sum(axis=4) * offsets[None, None, :, None]).sum(axis=2) / mass
    owner = cover.argmax(axis=0)
    centres = []
    coords = np.arange(world.SIZE, dtype=np.float32) + 0.5
    for j in range(k):
        total = maps[j].sum()
        if total <= 0:
            centres.append(None)
            continue
        cy, cx = maps[j].sum(axis=1) @ coords / total, maps[j].sum(axis=0) @ coords / total
        centres.append((int(cy // PATCH), int(cx // PATCH)))
    for y in range(GRID):
        for x in range(GRID):
            j = owner[y, x]
            c = float(cover[j, y, x])
            if c < COVER_LEVELS[0]:
                continue
            outline = outline_of(c, (-mx[j, y, x], -my[j, y, x]))
            out[y, x] = object_code(colors[j], shapes[j], outline, int(centres[j] == (y, x)))
    return out.reshape(-1)


def frame_codes(scene: world.Scene, frame: int = 0, maps: np.ndarray | None = None) -> np.ndarray:
    """(256,) designed codes of one frame of a world scene (from its coverage maps, if already computed)."""
    maps = world.coverage_maps(scene, frame) if maps is None else maps
    return codes_from_coverage(maps, scene.shapes, scene.bg_rgb)


def clip_codes(scene: world.Scene) -> np.ndarray:
    """(frames, 256)."""
    return np.stack([frame_codes(scene, f) for f in range(scene.frames)])


FEATURES = ("object", "circle", "square", "triangle") + tuple(world.COLORS) + ("cover", "nx", "ny", "cover_nx",
                                                                                 "cover_ny")


def features() -> np.ndarray:
    """(CODES, len(FEATURES)) what each code says, as numbers the language model's designed heads read: an object
    patch's one-hot shape and colour, how much of the patch it covers, and its edge's outward normal (0 inside),
    alone and times the coverage (the motion vote of circuit.py is built from these)."""
    out = np.zeros((CODES, len(FEATURES)), np.float32)
    middles = [(a + b) / 2 for a, b in zip(COVER_LEVELS[:-1], COVER_LEVELS[1:])]
    for code in range(BACKGROUND_CODES, CODES):
        b = blocks_of(code)
        row = out[code]
        row[0] = 1.0
        row[1 + b["shape"]] = 1.0
        row[4 + b["color"]] = 1.0
        if b["outline"] == 0:
            row[10] = 1.0
        else:
            normal, step = divmod(b["outline"] - 1, len(COVER_LEVELS) - 1)
            angle = normal * np.pi / 4
            row[10] = middles[step]
            row[11], row[12] = np.cos(angle), np.sin(angle)
            row[13], row[14] = row[10] * row[11], row[10] * row[12]
    return out
