"""Judges a generated frame: the colour and shape of its largest object. Deliberately simple and independent of the
model: the background is the median border colour, the object the largest connected region that differs from it,
its colour the nearest named colour to its median pixel, its shape the best intersection-over-union among a disc, a
box and an up- or down-pointing triangle fitted to its bounding box."""
from __future__ import annotations

import numpy as np

NAMED = {"red": (230, 30, 30), "green": (30, 170, 30), "blue": (30, 40, 220), "yellow": (240, 220, 30),
         "white": (245, 245, 245), "black": (15, 15, 15)}


def _largest_component(mask: np.ndarray) -> np.ndarray:
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    best, best_size, current = 0, 0, 0
    for y0, x0 in zip(*np.nonzero(mask)):
        if labels[y0, x0]:
            continue
        current += 1
        stack, size = [(y0, x0)], 0
        labels[y0, x0] = current
        while stack:
            y, x = stack.pop()
            size += 1
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not labels[ny, nx]:
                    labels[ny, nx] = current
                    stack.append((ny, nx))
        if size > best_size:
            best, best_size = current, size
    return labels == best


def _templates(h: int, w: int) -> dict:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (x + 0.5) / w, (y + 0.5) / h  # 0..1 across the box
    return {
        "circle": (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25,
        "square": np.ones((h, w), bool),
    }


def _triangle_masks(h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (x + 0.5) / w, (y + 0.5) / h
    up = np.abs(u - 0.5) * 2 <= v
    down = np.abs(u - 0.5) * 2 <= 1 - v
    return up, down


def judge(image: np.ndarray) -> dict:
    """{'color', 'shape', 'area'} of the largest object in a (256, 256, 3) uint8 image ({'color': None} if none)."""
    img = image.astype(np.float32)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    background = np.median(border, axis=0)
    differs = np.sqrt(((img - background) ** 2).sum(-1)) > 60
    if differs.sum() < 100:
        return {"color": None, "shape": None, "area": int(differs.sum())}
    obj = _largest_component(differs)
    ys, xs = np.nonzero(obj)
    box = obj[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = box.shape
    up, down = _triangle_masks(h, w)
    t = _templates(h, w)
    candidates = {"circle": t["circle"], "square": t["square"], "triangle_up": up, "triangle_down": down}
    iou = {k: float((box & m).sum() / max(1, (box | m).sum())) for k, m in candidates.items()}
    shape = max(iou, key=iou.get).split("_")[0]
    median = np.median(img[obj], axis=0)
    color = min(NAMED, key=lambda c: float(((median - np.asarray(NAMED[c])) ** 2).sum()))
    return {"color": color, "shape": shape, "area": int(obj.sum()), "iou": round(max(iou.values()), 3)}
