"""LWM's vision-language LLaMA (reference/lwm.md §1.3, §1.5) as a trainable torch module in LWM's own conventions:
interleaved RoPE on pairs (2i, 2i+1), RMSNorm in float32 with eps 1e-6, no biases, untied heads, and a second
8448-entry vocabulary (`vte`, `vision_head`) chosen per position by the vision mask. Exported kernels are the
Linear weights transposed to Flax's (in, out) and stacked on axis 0 under transformer/h/scan_decoder.

Training parametrizes the two vision tables, not the architecture: each of the 8000 grid codes of the demo VQGAN
(vqgan_net.fsq_codebook) is six digits, and its row is a free row plus one learned row per (digit position, digit
value), so what is learned about one code carries over to the codes that share its digits; codes 8000-8191 repeat
codes 0-191. The export writes the summed 8448-row tables, which is all LWM's model has.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VISION_VOCAB = 8448
FSQ_LEVELS = (5, 5, 5, 4, 4, 4)  # vqgan_net.FSQ_LEVELS, kept here so the model does not import the VQGAN
GRID_CODES = int(np.prod(FSQ_LEVELS))
FIRST_SPECIAL = 8192  # end of frame, end of vision and the unused rest of the vision vocabulary


def code_digits() -> torch.Tensor:
    """(8448, 6) indices into a table of sum(FSQ_LEVELS) + 1 rows: each code's digit rows (last level fastest), or
    the final all-zero row for the ids past the codebook."""
    offsets = np.cumsum((0,) + FSQ_LEVELS[:-1])
    pad = int(sum(FSQ_LEVELS))
    out = np.full((VISION_VOCAB, len(FSQ_LEVELS)), pad, np.int64)
    for code in range(FIRST_SPECIAL):
        rest = code % GRID_CODES
        for d in reversed(range(len(FSQ_LEVELS))):
            out[code, d] = offsets[d] + rest % FSQ_LEVELS[d]
            rest //= FSQ_LEVELS[d]
    return torch.from_numpy(out)


class FactoredTable(nn.Module):
    """An 8448 × hidden table: free rows plus the sum of each code's digit rows (see the module docstring)."""

    def __init__(self, hidden: int):
        super().__init__()
        self.free = nn.Parameter(torch.randn(VISION_VOCAB, hidden) * 0.02)
        self.digit = nn.Parameter(torch.randn(sum(FSQ_LEVELS) + 1, hidden) * 0.02)
        self.register_buffer("digits", code_digits(), persistent=False)

    def weight(self) -> torch.Tensor:
        digit = torch.cat((self.digit[:-1], torch.zeros_like(self.digit[-1:])))
        return self.free + digit[self.digits].sum(1)


@dataclass(frozen=True)
class LmConfig:
    vocab: int
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 688
    theta: float = 10000.0
    eps: float = 1e-6
    max_sequence_length: int = 8192

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


class RmsNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * self.weight


class Block(nn.Module):
    def __init__(self, c: LmConfig):
        super().__init__()
        h, i = c.hidden, c.intermediate
        self.attention_norm, self.ffn_norm = RmsNorm(h, c.eps), RmsNorm(h, c.eps)
        self.wq, self.wk, self.wv, self.wo = (nn.Linear(h, h, bias=False) for _ in range(4))
        self.w1, self.w3 = nn.Linear(h, i, bias=False), nn.Linear(h, i, bias=False)
        self.w2 = nn.Linear(i, h, bias=False)
        self.heads = c.heads

    def forward(self, x, cos, sin):
        b, t, h = x.shape
        y = self.attention_norm(x)
        q, k, v = (w(y).view(b, t, self.heads, -1).transpose(1, 2) for w in (self.wq, self.wk, self.wv))
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.wo(a.transpose(1, 2).reshape(b, t, h))
        y = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(y)) * self.w3(y))


def rope_tables(c: LmConfig, length: int, device=None):
    """LWM's table: float32 inverse frequencies, the angle position × inv_freq rounded to float32, then cos/sin."""
    hd = c.head_dim
    inv = (1.0 / (c.theta ** (np.arange(0, hd, 2)[: hd // 2].astype(np.float32) / hd))).astype(np.float32)
    angles = np.outer(np.arange(length, dtype=np.int64), inv).astype(np.float32)
    return (torch.from_numpy(np.cos(angles.astype(np.float64)).astype(np.float32)).to(device),
            torch.from_numpy(np.sin(angles.astype(np.float64)).astype(np.float32)).to(device))


def rope(x, cos, sin):
    """(B, heads, T, hd): pairs (2j, 2j+1) rotated as complex numbers."""
    t = x.shape[2]
    a, b = x[..., 0::2], x[..., 1::2]
    c, s = cos[:t], sin[:t]
    return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)


class LwmLm(nn.Module):
    def __init__(self, c: LmConfig):
        super().__init__()
        self.c = c
        self.wte = nn.Embedding(c.vocab, c.hidden)
        self.vte = FactoredTable(c.hidden)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln_f = RmsNorm(c.hidden, c.eps)
        self.lm_head = nn.Linear(c.hidden, c.vocab, bias=False)
        self.vision_table = FactoredTable(c.hidden)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
        for blk in self.blocks:  # GPT-2's scaled init of the residual projections
            nn.init.normal_(blk.wo.weight, std=0.02 / np.sqrt(2 * c.layers))
            nn.init.normal_(blk.w2.weight, std=0.02 / np.sqrt(2 * c.layers))
        cos, sin = rope_tables(c, c.max_sequence_length)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def hidden_states(self, ids, vision):
        """ids, vision: (B, T) long / bool; each id read in the vocabulary its mask names."""
        x = torch.where(vision[..., None], F.embedding(torch.where(vision, ids, 0), self.vte.weight()),
                        self.wte(torch.where(vision, 0, ids)))
        for blk in self.blocks:
            x = blk(x, self.cos, self.sin)
        return self.ln_f(x)

    def vision_head(self, h):
        return h @ self.vision_table.weight().t()

    def flax_params(self) -> dict:
        """{key tuple: float32 ndarray} in LWM's scan layout (reference/lwm.md §7.2), sorted as jax flattens."""
        g = lambda t: t.detach().cpu().float().numpy()  # noqa: E731
        scan = ("transformer", "h", "scan_decoder")

        def stack(fn):
            return np.ascontiguousarray(np.stack([fn(b) for b in self.blocks], axis=0))

        out = {
            ("transformer", "wte", "embedding"): g(self.wte.weight),
            ("transformer", "vte", "embedding"): g(self.vte.weight()),
            ("transformer", "ln_f", "kernel"): g(self.ln_f.weight),
            ("lm_head", "kernel"): np.ascontiguousarray(g(self.lm_head.weight).T),
            ("vision_head", "kernel"): np.ascontiguousarray(g(self.vision_table.weight()).T),
        }
        for name in ("wq", "wk", "wv", "wo"):
            out[scan + ("attention", name, "kernel")] = stack(lambda b: g(getattr(b, name).weight).T)
        for name in ("w1", "w2", "w3"):
            out[scan + ("feed_forward", name, "kernel")] = stack(lambda b: g(getattr(b, name).weight).T)
        out[scan + ("attention_norm", "kernel")] = stack(lambda b: g(b.attention_norm.weight))
        out[scan + ("ffn_norm", "kernel")] = stack(lambda b: g(b.ffn_norm.weight))
        return dict(sorted(out.items()))
