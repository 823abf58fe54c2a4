"""The haystack for needle retrieval: the bundled prose (generated once, seeded, shipped beside the demo model) and
LWM's insertion rule (reference/lwm.md §5.2): the needle goes at depth·length tokens, moved back to just after the
nearest preceding '.'; depth 1 appends it."""
from __future__ import annotations

import os

import numpy as np

import corpus as C

FILE = "haystack.txt"
SEED = 424242


def generate(sentences: int = 2600) -> str:
    return C.prose(np.random.default_rng(SEED), sentences) + "\n"


def bundled(model_dir: str | None = None) -> str:
    model_dir = model_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "lwm-demo")
    with open(os.path.join(model_dir, FILE), encoding="utf-8") as f:
        return f.read()


def trim(sp, text: str, tokens: int, offset: int = 0) -> str:
    """`tokens` tokens of `text`, starting at paragraph `offset` (rounds use different parts of the haystack)."""
    paragraphs = text.split("\n\n")
    start = (offset * 37) % max(1, len(paragraphs) // 2)
    ids = sp.encode("\n\n".join(paragraphs[start:]))
    if len(ids) < tokens:
        raise ValueError(f"the haystack has {len(ids)} tokens from paragraph {start}, fewer than {tokens}")
    return sp.decode(ids[:tokens])


def insert(sp, context: str, needle: str, depth: float) -> str:
    ids = sp.encode(context)
    if depth >= 1.0:
        return context + needle
    at = int(len(ids) * depth)
    while at > 0 and not sp.id_to_piece(ids[at - 1]).endswith("."):
        at -= 1
    return sp.decode(ids[:at]) + needle + sp.decode(ids[at:])


def needle_cases(sp, text: str, lengths, depths, rounds: int, rng):
    """(length, depth, round, city, number, context) of each cell of LWM's grid over `text`: a random city and
    7-digit number per cell, inserted into `text` trimmed to the length (each round at another paragraph)."""
    for length in lengths:
        for depth in depths:
            for r in range(rounds):
                city = str(rng.choice(C.CITIES))
                number = int(rng.integers(10 ** 6, 10 ** 7))
                yield length, depth, r, city, number, insert(sp, trim(sp, text, length, offset=r),
                                                           C.needle(city, number), depth)
