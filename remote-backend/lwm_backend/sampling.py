"""Token sampling on the host: greedy, temperature, top-k, top-p, seeded.

The warpers run in Hugging Face's order (temperature, then top-k, then top-p), which is the order LWM's
generation uses. Sampling draws from a numpy Generator so the same seed gives the same tokens.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0   # 0 means greedy
    top_p: float = 1.0         # 1 disables nucleus filtering
    top_k: int = 0             # 0 disables top-k filtering
    seed: int | None = None    # None draws a fresh seed

    def __post_init__(self):
        if not self.temperature >= 0:
            raise ValueError("temperature must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")
        if self.top_k < 0:
            raise ValueError("top_k must be >= 0")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


class Sampler:
    """Picks one token from a row of logits per call; keeps its random state between calls."""

    def __init__(self, params: SamplingParams):
        self.params = params
        self._rng = np.random.default_rng(params.seed)

    def sample(self, logits: np.ndarray) -> int:
        logits = np.asarray(logits, dtype=np.float64)
        if self.params.greedy:
            return int(np.argmax(logits))
        probs = warped_probabilities(logits, self.params)
        return int(self._rng.choice(probs.shape[0], p=probs))


def warped_probabilities(logits: np.ndarray, params: SamplingParams) -> np.ndarray:
    """Softmax of the logits after temperature, top-k and top-p; removed tokens get probability 0."""
    scaled = logits / params.temperature
    keep = np.isfinite(scaled)
    if params.top_k and params.top_k < scaled.shape[0]:
        kth_largest = np.partition(scaled, -params.top_k)[-params.top_k]
        keep &= scaled >= kth_largest
    probs = _softmax_where(scaled, keep)
    if params.top_p < 1.0:
        probs = _nucleus(probs, params.top_p)
    return probs


def _softmax_where(scaled: np.ndarray, keep: np.ndarray) -> np.ndarray:
    if not keep.any():
        raise ValueError("no finite logits to sample from")
    masked = np.where(keep, scaled, -np.inf)
    exp = np.exp(masked - masked.max())
    return exp / exp.sum()


def _nucleus(probs: np.ndarray, top_p: float) -> np.ndarray:
    """Keeps the smallest set of most likely tokens whose mass reaches top_p (always at least one)."""
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    # A token stays when the mass before it is still below top_p, as in HF's TopPLogitsWarper.
    cut = int(np.searchsorted(cumulative, top_p, side="left")) + 1
    kept = np.zeros_like(probs)
    kept[order[:cut]] = probs[order[:cut]]
    return kept / kept.sum()
