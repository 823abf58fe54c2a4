"""Independent LLaMA forward on the Jax-layout ("params") weights, LWM style: (in,out) kernels, stacked layers,
interleaved RoPE on adjacent pairs (2i, 2i+1). Used only to verify the Jax export (permutation direction, key
names, transposes) against the HF golden logits; not a source of golden values."""
from __future__ import annotations

import numpy as np
import torch

from .jaxfmt import SCAN
from .shapes import Shape


def hf_inv_freq(shape: Shape) -> torch.Tensor:
    """inv_freq exactly as transformers computes it (float32 pow)."""
    hd = shape.head_dim
    return 1.0 / (shape.theta ** (torch.arange(0, hd, 2, dtype=torch.float) / hd))


@torch.no_grad()
def forward(params: dict, shape: Shape, ids: list[int], angles: str = "f32") -> torch.Tensor:
    """Logits (T, V) in float64. angles="f32": angle = fl32(inv_freq_f32 * pos) like HF (and like LWM's
    numpy table); "f64": angle = inv_freq_f32 * pos in float64 (to measure how sensitive long positions are)."""
    dt = torch.float64
    P = {k: torch.from_numpy(np.asarray(v)).to(dt) for k, v in params.items()}
    nh, hd, eps = shape.heads, shape.head_dim, shape.eps
    T = len(ids)
    x = P[("transformer", "wte", "embedding")][torch.tensor(ids)]
    inv = hf_inv_freq(shape)
    pos = torch.arange(T, dtype=torch.float32)
    if angles == "f32":
        ang = (pos[:, None] * inv[None, :]).to(dt)  # float32 product, rounded once
    else:
        ang = pos.to(dt)[:, None] * inv.to(dt)[None, :]
    cos, sin = torch.cos(ang), torch.sin(ang)  # (T, hd/2)

    def rms(v, w):
        return v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + eps) * w

    def rope(v):  # (T, H) interleaved
        v = v.view(T, nh, hd // 2, 2)
        a, b = v[..., 0], v[..., 1]
        c, s = cos[:, None, :], sin[:, None, :]
        return torch.stack((a * c - b * s, a * s + b * c), dim=-1).reshape(T, nh * hd)

    mask = torch.full((T, T), float("-inf"), dtype=dt).triu(1)
    for i in range(shape.layers):
        g = lambda *k: P[SCAN + k][i]  # noqa: E731
        h = rms(x, g("attention_norm", "kernel"))
        q = rope(h @ g("attention", "wq", "kernel")).view(T, nh, hd).transpose(0, 1)
        k = rope(h @ g("attention", "wk", "kernel")).view(T, nh, hd).transpose(0, 1)
        v = (h @ g("attention", "wv", "kernel")).view(T, nh, hd).transpose(0, 1)
        att = torch.softmax(q @ k.transpose(1, 2) / np.sqrt(hd) + mask, dim=-1)
        o = (att @ v).transpose(0, 1).reshape(T, nh * hd)
        x = x + o @ g("attention", "wo", "kernel")
        h = rms(x, g("ffn_norm", "kernel"))
        gate = h @ g("feed_forward", "w1", "kernel")
        x = x + (torch.nn.functional.silu(gate) * (h @ g("feed_forward", "w3", "kernel"))) @ g("feed_forward", "w2", "kernel")
    x = rms(x, P[("transformer", "ln_f", "kernel")])
    return x @ P[("lm_head", "kernel")]
