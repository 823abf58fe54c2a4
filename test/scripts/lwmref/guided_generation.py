"""LWM's text-to-image / text-to-video sampling (reference/lwm.md §4), written from the spec in numpy over
`vision_reference`: the golden values the Java VisionGenerator must reproduce step for step.

    conditional   BOS enc("You are a helpful assistant. USER: Generate an image of {caption} ASSISTANT: <vision>")
                  (later frames of a video: "Generate a video of"), the last 128 ids (left truncation, §4.1)
    unconditional BOS enc("<vision>")
    guided        uncond + cfg · (cond − uncond) of the vision head, both rows fed the same token (§4.2)
    frame         256 sampled codes, then 8192 forced (every 257th token, §4.4); a video's first frame comes from
                  the image prompt and image parameters, later frames from the video prompt + first frame (§4.1)

Sampling is the Java engine's (LWM's JAX PRNG cannot be reproduced off JAX, so a seed means the engine's stream):
java.util.Random(seed) shared by every step; at a code position the candidates are the 8192 codebook ids sorted by
descending guided logit (ties to the lower id), cut to the top-k; probabilities softmax(logit / temperature) in
double; r = nextDouble() · Σp walks the list. A delimiter position draws nothing.
"""
from __future__ import annotations

import math

import numpy as np

from lwmref import vision_reference
from lwmref.vision_prompt import CODES_PER_FRAME, END_OF_FRAME, SYSTEM

TOKENS_PER_FRAME = CODES_PER_FRAME + 1
CODEBOOK = 8192
MAX_PROMPT = 128


class JavaRandom:
    """java.util.Random: the 48-bit linear congruential generator of the JDK's specification."""
    MULT, ADD, MASK = 0x5DEECE66D, 0xB, (1 << 48) - 1

    def __init__(self, seed: int):
        self.state = (seed ^ self.MULT) & self.MASK

    def _next(self, bits: int) -> int:
        self.state = (self.state * self.MULT + self.ADD) & self.MASK
        return self.state >> (48 - bits)

    def next_double(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * 2.0 ** -53


def sample(logits: np.ndarray, temperature: float, top_k: int, rng: JavaRandom) -> int:
    order = sorted(range(len(logits)), key=lambda i: (-float(logits[i]), i))
    if top_k > 0:
        order = order[:top_k]
    t = float(np.float32(temperature))
    scaled = [float(logits[i]) / t for i in order]
    p = [math.exp(v - scaled[0]) for v in scaled]
    total = plain_sum(p)
    p = [v / total for v in p]
    r = rng.next_double() * plain_sum(p)
    for i in range(len(order) - 1):
        r -= p[i]
        if r < 0:
            return order[i]
    return order[-1]


def plain_sum(values) -> float:
    """Left-to-right double addition, as the Java loop does (Python's sum() compensates since 3.12)."""
    total = 0.0
    for v in values:
        total += v
    return total


def prompt(sp, text: str) -> list[int]:
    ids = [sp.bos_id()] + sp.encode(text)
    return ids[-MAX_PROMPT:]


def image_prompt(sp, caption: str) -> list[int]:
    return prompt(sp, f"{SYSTEM} USER: Generate an image of {caption} ASSISTANT: <vision>")


def video_prompt(sp, caption: str) -> list[int]:
    return prompt(sp, f"{SYSTEM} USER: Generate a video of {caption} ASSISTANT: <vision>")


def unconditional_prompt(sp) -> list[int]:
    return [sp.bos_id()] + sp.encode("<vision>")


class Row:
    """One row (conditional or unconditional) with its KV cache."""

    def __init__(self, params, shape, ids: list[int], context: list[int]):
        self.params, self.shape, self.cache = params, shape, {"keys": [], "values": []}
        self.logits = self._run(ids + context, [False] * len(ids) + [True] * len(context))

    def _run(self, ids, mask) -> np.ndarray:
        x = vision_reference.hidden_states(self.params, self.shape, ids, mask, cache=self.cache)[-1]
        return (x @ self.params[vision_reference.VISION_HEAD]).astype(np.float32)

    def feed(self, token: int) -> None:
        self.logits = self._run([token], [True])


def phase(params, shape, cond_ids, uncond_ids, context, steps, modality, rng, out, guided_rows):
    """Appends `steps` tokens to `out` (the tokens so far are `context`); records guided logits in `guided_rows`."""
    cfg = np.float32(modality["cfg_scale"])
    cond = Row(params, shape, cond_ids, context)
    uncond = Row(params, shape, uncond_ids, context) if modality["cfg_scale"] != 1.0 else None
    for i in range(steps):
        guided = cond.logits if uncond is None else uncond.logits + cfg * (cond.logits - uncond.logits)
        guided_rows.append(guided.astype(np.float32))
        if len(out) % TOKENS_PER_FRAME == CODES_PER_FRAME:
            token = END_OF_FRAME
        else:
            token = sample(guided[:CODEBOOK], modality["temperature"], modality["top_k"], rng)
        out.append(token)
        if i < steps - 1:
            cond.feed(token)
            if uncond is not None:
                uncond.feed(token)


def padded_first_step(params, shape, cond_ids: list[int], uncond_ids: list[int], cfg: float) -> np.ndarray:
    """The first guided logits as LWM computes them: both prompts left-padded to 128 with pad id 0 and a zero
    attention mask (HF Flax positions `cumsum(mask) - 1`), the last position's vision-head logits of each row."""
    rows = []
    for ids in (cond_ids, uncond_ids):
        pad = MAX_PROMPT - len(ids)
        mask = [0] * pad + [1] * len(ids)
        x = vision_reference.hidden_states(params, shape, [0] * pad + ids, [False] * MAX_PROMPT, attention_mask=mask)[-1]
        rows.append((x @ params[vision_reference.VISION_HEAD]).astype(np.float32))
    cond, uncond = rows
    return uncond + np.float32(cfg) * (cond - uncond)


def generate(params, shape, sp, caption: str, frames: int, image: dict, video: dict, seed: int) -> dict:
    """{"ids", "guided" (steps, 8448) float32, "frames" [[256 codes]...], prompt ids}."""
    rng = JavaRandom(seed)
    out, guided = [], []
    uncond = unconditional_prompt(sp)
    phase(params, shape, image_prompt(sp, caption), uncond, [], TOKENS_PER_FRAME, image, rng, out, guided)
    if frames > 1:
        phase(params, shape, video_prompt(sp, caption), uncond, list(out), (frames - 1) * TOKENS_PER_FRAME, video, rng,
              out, guided)
    codes = [out[f * TOKENS_PER_FRAME:f * TOKENS_PER_FRAME + CODES_PER_FRAME] for f in range(frames)]
    return {"ids": out, "guided": np.stack(guided), "frames": codes,
            "image_prompt_ids": image_prompt(sp, caption), "video_prompt_ids": video_prompt(sp, caption),
            "unconditional_prompt_ids": uncond}
