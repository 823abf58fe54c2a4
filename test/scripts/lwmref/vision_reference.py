"""A tiny LWM vision-language model (lwm/vision_llama.py, reference/lwm.md §1.3, §1.5) written from the spec in
numpy, independent of transformers' Llama code: it works directly on the Jax-layout tree ((in, out) kernels, layers
stacked on axis 0, interleaved RoPE on adjacent pairs) and is the source of the vision golden values.

Numerics follow LWM's fp32 inference (`--dtype fp32`): RMSNorm in f32 with eps 1e-6, RoPE angles from LWM's numpy
table (f32 inv_freq, int64 × f32 outer product cast to f32, then cos/sin), f32 attention logits with a causal
finfo.min mask, SwiGLU, untied heads. `forward(..., dtype=np.float64)` runs the same code in float64, which the
generator uses to bound the f32 rounding of the golden values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCAN = ("transformer", "h", "scan_decoder")
WTE = ("transformer", "wte", "embedding")
VTE = ("transformer", "vte", "embedding")
LN_F = ("transformer", "ln_f", "kernel")
LM_HEAD = ("lm_head", "kernel")
VISION_HEAD = ("vision_head", "kernel")


@dataclass(frozen=True)
class VisionShape:
    layers: int = 2
    hidden: int = 64
    heads: int = 4
    intermediate: int = 172
    vocab: int = 512  # the fixture tokenizer's
    vision_vocab: int = 8448  # LWM's: 8192 VQGAN codes + 256 (lwm.md §1.1)
    theta: float = 50e6  # every LWM vision script (lwm.md §1.2)
    eps: float = 1e-6
    max_sequence_length: int = 32768  # LWM-Chat-32K
    seed: int = 2001
    # Test-only stand-in for flax's 2^30-byte MAX_CHUNK_SIZE, so that the big records are chunked as in 7B files.
    chunk_threshold: int = 16 * 1024

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


def bf16_exact(a: np.ndarray) -> np.ndarray:
    """Rounds float32 values to bfloat16 (nearest even) and back, so every checkpoint dtype holds them exactly."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def make_params(shape: VisionShape) -> dict:
    """Random bf16-exact weights as LWM's flattened Jax tree {key tuple: float32 ndarray}, keys per lwm.md §7.2.

    Scales as the text fixtures use (test/FIXTURES.md): embeddings N(0,1); q/k N(0, 1.5/sqrt(in)); other kernels
    N(0, 1/sqrt(in)); heads N(0, 2/sqrt(H)); norm weights U(0.9, 1.1)."""
    rng = np.random.default_rng(shape.seed)
    H, I, L = shape.hidden, shape.intermediate, shape.layers

    def normal(dims, std):
        return bf16_exact(rng.standard_normal(dims, dtype=np.float32) * np.float32(std))

    def norm(dims):
        return bf16_exact(1.0 + 0.1 * (2.0 * rng.random(dims, dtype=np.float32) - 1.0))

    params = {
        WTE: normal((shape.vocab, H), 1.0),
        VTE: normal((shape.vision_vocab, H), 1.0),
        SCAN + ("attention", "wq", "kernel"): normal((L, H, H), 1.5 / np.sqrt(H)),
        SCAN + ("attention", "wk", "kernel"): normal((L, H, H), 1.5 / np.sqrt(H)),
        SCAN + ("attention", "wv", "kernel"): normal((L, H, H), 1.0 / np.sqrt(H)),
        SCAN + ("attention", "wo", "kernel"): normal((L, H, H), 1.0 / np.sqrt(H)),
        SCAN + ("feed_forward", "w1", "kernel"): normal((L, H, I), 1.0 / np.sqrt(H)),
        SCAN + ("feed_forward", "w3", "kernel"): normal((L, H, I), 1.0 / np.sqrt(H)),
        SCAN + ("feed_forward", "w2", "kernel"): normal((L, I, H), 1.0 / np.sqrt(I)),
        SCAN + ("attention_norm", "kernel"): norm((L, H)),
        SCAN + ("ffn_norm", "kernel"): norm((L, H)),
        LN_F: norm((H,)),
        LM_HEAD: normal((H, shape.vocab), 2.0 / np.sqrt(H)),
        VISION_HEAD: normal((H, shape.vision_vocab), 2.0 / np.sqrt(H)),
    }
    return dict(sorted(params.items()))  # jax flattens dicts in sorted key order


def inv_freq(shape: VisionShape) -> np.ndarray:
    """LWM's precompute_freqs_cis: 1 / theta^(arange(0, hd, 2) / hd) in float32."""
    hd = shape.head_dim
    return (1.0 / (shape.theta ** (np.arange(0, hd, 2)[: hd // 2].astype(np.float32) / hd))).astype(np.float32)


def rope_angles(shape: VisionShape, length: int) -> np.ndarray:
    """(length, hd/2) float32 angles: numpy's outer(int64 positions, f32 inv_freq) is a float64 product, cast once."""
    return np.outer(np.arange(length, dtype=np.int64), inv_freq(shape)).astype(np.float32)


def embed(params: dict, ids: np.ndarray, vision_mask: np.ndarray) -> np.ndarray:
    """vision_llama.py's multi-token embedding: each id read in the text or the vision vocabulary by the mask."""
    text = params[WTE][np.where(vision_mask, 0, ids)]
    vision = params[VTE][np.where(vision_mask, ids, 0)]
    m = vision_mask.astype(np.float32)[:, None]
    return text * (1 - m) + vision * m


def forward(params: dict, shape: VisionShape, ids, vision_mask, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Logits of every position from both heads: (lm_head (T, vocab), vision_head (T, vision_vocab))."""
    x = hidden_states(params, shape, ids, vision_mask, dtype)
    return x @ params[LM_HEAD].astype(dtype), x @ params[VISION_HEAD].astype(dtype)


def hidden_states(params: dict, shape: VisionShape, ids, vision_mask, dtype=np.float32, cache: dict | None = None,
                  attention_mask=None):
    """(T, H) output of the final RMSNorm (the input of both heads) for `ids` at the positions after what `cache`
    holds. `cache` ({"keys": [...], "values": [...]} per layer, filled in place) lets decoding run one token at a
    time; None runs the sequence on its own. `attention_mask` (no cache) is HF Flax's padding mask: keys where it is
    0 are masked and positions count only real tokens (`cumsum(mask) - 1`), as LWM's left-padded batches run."""
    ids = np.asarray(ids, dtype=np.int64)
    vision_mask = np.asarray(vision_mask, dtype=bool)
    if ids.shape != vision_mask.shape:
        raise ValueError(f"{ids.shape[0]} ids but {vision_mask.shape[0]} mask entries")
    for flag, limit, name in ((False, shape.vocab, "text"), (True, shape.vision_vocab, "vision")):
        bad = ids[(vision_mask == flag) & ((ids < 0) | (ids >= limit))]
        if bad.size:
            raise ValueError(f"{name} id {int(bad[0])} outside 0..{limit - 1}")
    cache = {"keys": [], "values": []} if cache is None else cache
    start = cache["keys"][0].shape[1] if cache["keys"] else 0
    P = {k: v.astype(dtype) for k, v in params.items() if k not in (LM_HEAD, VISION_HEAD)}
    T, nh, hd = len(ids), shape.heads, shape.head_dim
    eps = dtype(shape.eps)
    positions = np.arange(start, start + T)
    if attention_mask is not None:
        attention_mask = np.asarray(attention_mask, dtype=bool)
        positions = np.maximum(np.cumsum(attention_mask) - 1, 0)
    angles = rope_angles(shape, start + T)[positions].astype(dtype)
    cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]  # (T, 1, hd/2)

    def rms(v, w):
        return v * (1 / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps)) * w

    def rope(v):  # (T, H) with pairs (2j, 2j+1) of each head rotated as complex numbers
        v = v.reshape(T, nh, hd // 2, 2)
        a, b = v[..., 0], v[..., 1]
        return np.stack((a * cos - b * sin, a * sin + b * cos), axis=-1).reshape(T, nh, hd)

    causal = np.arange(start + T)[None, :] <= np.arange(start, start + T)[:, None]  # (T, start + T)
    if attention_mask is not None:
        causal = causal & attention_mask[None, :]
    masked = np.finfo(dtype).min
    x = embed(P, ids, vision_mask).astype(dtype)
    for i in range(shape.layers):
        def w(*key):
            return P[SCAN + key][i]

        h = rms(x, w("attention_norm", "kernel"))
        q = rope(h @ w("attention", "wq", "kernel")).transpose(1, 0, 2)  # (nh, T, hd)
        k = rope(h @ w("attention", "wk", "kernel")).transpose(1, 0, 2)
        v = (h @ w("attention", "wv", "kernel")).reshape(T, nh, hd).transpose(1, 0, 2)
        if len(cache["keys"]) == i:
            cache["keys"].append(k)
            cache["values"].append(v)
        else:
            cache["keys"][i] = np.concatenate((cache["keys"][i], k), axis=1)
            cache["values"][i] = np.concatenate((cache["values"][i], v), axis=1)
        k, v = cache["keys"][i], cache["values"][i]
        scores = np.where(causal, q @ k.transpose(0, 2, 1) / dtype(np.sqrt(hd)), masked)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        x = x + attention.transpose(1, 0, 2).reshape(T, nh * hd) @ w("attention", "wo", "kernel")
        h = rms(x, w("ffn_norm", "kernel"))
        gate = h @ w("feed_forward", "w1", "kernel")
        silu = gate / (1 + np.exp(-gate))
        x = x + (silu * (h @ w("feed_forward", "w3", "kernel"))) @ w("feed_forward", "w2", "kernel")
    return rms(x, P[LN_F])


def top2_gap(row: np.ndarray) -> float:
    top = np.partition(row, -2)[-2:]
    return float(top[1] - top[0])


def greedy(params: dict, shape: VisionShape, ids, vision_mask, n: int, sample_mode: str) -> tuple[list[int], float]:
    """LWM's decoding after a prompt (lwm.md §1.5, §6.7), greedy, with a KV cache: the prompt runs with its vision
    mask, then each new token is embedded in the vocabulary of `sample_mode` ('text': wte and lm_head; 'vision':
    vte and vision_head). Returns (ids, min top1-top2 logit gap over the steps)."""
    head = {"text": params[LM_HEAD], "vision": params[VISION_HEAD]}[sample_mode]
    cache = {"keys": [], "values": []}
    row = hidden_states(params, shape, ids, vision_mask, cache=cache)[-1] @ head
    generated, gaps = [], []
    for step in range(n):
        gaps.append(top2_gap(row))
        token = int(np.argmax(row))
        generated.append(token)
        if step < n - 1:
            row = hidden_states(params, shape, [token], [sample_mode == "vision"], cache=cache)[-1] @ head
    return generated, min(gaps)
