"""LWM's vision-chat prompt layout (lwm/vision_chat.py, reference/lwm.md §2.1, §2.4, §2.6), built with Python
sentencepiece: the ids and vision mask the Java VisionPrompt must reproduce exactly.

    BOS enc("You are a helpful assistant. USER: {question}\\n")
        ( enc("<vision>") [256 codes, 8192] * (T-1) [256 codes, 8193] enc("</vision>") )  per attachment
        enc(" ASSISTANT:")

Each text piece is encoded on its own without BOS/EOS (the original tokenizer's behaviour), so there is exactly one
BOS. The vision mask is true exactly on the codes and delimiters; several attachments follow each other in order.
"""
from __future__ import annotations

import numpy as np

CODEBOOK_SIZE = 8192
END_OF_FRAME = 8192
END_OF_VISION = 8193
CODES_PER_FRAME = 256
SYSTEM = "You are a helpful assistant."


def random_frames(rng: np.random.Generator, count: int) -> list[list[int]]:
    """`count` frames of random VQGAN codes (row-major over the 16×16 grid)."""
    return [[int(c) for c in rng.integers(0, CODEBOOK_SIZE, size=CODES_PER_FRAME)] for _ in range(count)]


def vision_tokens(frames: list[list[int]]) -> list[int]:
    """Codes of each frame followed by 8192, except 8193 after the last frame (lwm.md §2.1)."""
    tokens = []
    for i, frame in enumerate(frames):
        if len(frame) != CODES_PER_FRAME or not all(0 <= c < CODEBOOK_SIZE for c in frame):
            raise ValueError(f"frame {i}: expected {CODES_PER_FRAME} codes in 0..{CODEBOOK_SIZE - 1}")
        tokens += frame + [END_OF_VISION if i == len(frames) - 1 else END_OF_FRAME]
    return tokens


def chat(sp, question: str, attachments: list[list[list[int]]]) -> dict:
    """{"ids", "vision_mask", "attachment_starts"}: the prompt, its mask, and per attachment the index of its first
    vision token."""
    ids = [sp.bos_id()] + sp.encode(f"{SYSTEM} USER: {question}\n")
    mask = [False] * len(ids)
    starts = []
    for frames in attachments:
        opening = sp.encode("<vision>")
        ids += opening
        mask += [False] * len(opening)
        starts.append(len(ids))
        tokens = vision_tokens(frames)
        ids += tokens
        mask += [True] * len(tokens)
        closing = sp.encode("</vision>")
        ids += closing
        mask += [False] * len(closing)
    answer = sp.encode(" ASSISTANT:")
    ids += answer
    mask += [False] * len(answer)
    assert sum(1 for i, m in zip(ids, mask) if i == sp.bos_id() and not m) == 1  # codes may equal 1
    return {"ids": ids, "vision_mask": mask, "attachment_starts": starts}
