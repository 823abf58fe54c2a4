"""LWM's vision-language LLaMA (reference/lwm.md §1.3, §1.5) as a trainable torch module in LWM's own conventions:
interleaved RoPE on pairs (2i, 2i+1), RMSNorm in float32 with eps 1e-6, no biases, untied heads, and a second
8448-entry vocabulary (`vte`, `vision_head`) chosen per position by the vision mask. Exported kernels are the
weights transposed to Flax's (in, out) and stacked on axis 0 under transformer/h/scan_decoder.

Every weight is `Part`ly fixed: a learned tensor where its mask is 1 and a fixed value where it is 0, so that
circuit.py can set parts of the model by hand (the relative-position heads, the needle copy) and training learns
the rest around them. The vision tables are a free row per id plus the sum of one learned row per block of the
code (codes.py), so what is learned about one code carries over to every code that shares a block. The exported
files hold the plain sums: LWM's tensors and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import codes as K

VISION_VOCAB = 8448


@dataclass(frozen=True)
class LmConfig:
    vocab: int
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 688
    theta: float = 1e10
    eps: float = 1e-6
    max_sequence_length: int = 8192

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


class Part(nn.Module):
    """A weight that is `learned` where `mask` is 1 and `fixed` where it is 0."""

    def __init__(self, *shape, std: float):
        super().__init__()
        self.learned = nn.Parameter(torch.randn(*shape) * std)
        self.register_buffer("mask", torch.ones(*shape))
        self.register_buffer("fixed", torch.zeros(*shape))

    def weight(self) -> torch.Tensor:
        return self.learned * self.mask + self.fixed

    @torch.no_grad()
    def fix(self, index, value=0.0) -> None:
        self.mask[index] = 0.0
        self.fixed[index] = value
        self.learned[index] = 0.0

    @torch.no_grad()
    def start(self, index, value) -> None:
        """A learned entry's starting value."""
        self.learned[index] = value


EOF_TOKEN, EOV_TOKEN = 8192, 8193
TRAINED_VISION_IDS = list(range(K.CODES)) + [EOF_TOKEN, EOV_TOKEN]  # the vision ids any sequence holds


def code_blocks() -> torch.Tensor:
    """(8448, blocks) 0/1: which code blocks' dimensions make up each vision id (its codebook row; none for the ids
    past the codes)."""
    out = np.zeros((VISION_VOCAB, K.USED_DIMS), np.float32)
    out[:K.CODES] = K.codebook()[:K.CODES, :K.USED_DIMS]
    return torch.from_numpy(out)


class FactoredTable(nn.Module):
    """An 8448 × hidden table: free rows plus the sum of each code's block rows (where the free part is not fixed)."""

    def __init__(self, hidden: int, std: float):
        super().__init__()
        self.free = Part(VISION_VOCAB, hidden, std=0.02)
        self.block = nn.Parameter(torch.randn(K.USED_DIMS, hidden) * std / 2)
        self.register_buffer("blocks", code_blocks(), persistent=False)

    def weight(self) -> torch.Tensor:
        return self.free.weight() + (self.blocks @ self.block) * self.free.mask


class RmsNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.scale = Part(n, std=0.0)
        self.scale.start(slice(None), 1.0)
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * self.scale.weight()


class Block(nn.Module):
    def __init__(self, c: LmConfig):
        super().__init__()
        h, i = c.hidden, c.intermediate
        self.attention_norm, self.ffn_norm = RmsNorm(h, c.eps), RmsNorm(h, c.eps)
        self.wq, self.wk, self.wv = (Part(h, h, std=0.02) for _ in range(3))
        # GPT-2's scaled init of the residual projections
        self.wo = Part(h, h, std=0.02 / np.sqrt(2 * c.layers))
        self.w1, self.w3 = Part(i, h, std=0.02), Part(i, h, std=0.02)
        self.w2 = Part(h, i, std=0.02 / np.sqrt(2 * c.layers))
        self.heads = c.heads

    def forward(self, x, cos, sin):
        b, t, h = x.shape
        y = self.attention_norm(x)
        q, k, v = (F.linear(y, w.weight()).view(b, t, self.heads, -1).transpose(1, 2)
                   for w in (self.wq, self.wk, self.wv))
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + F.linear(a.transpose(1, 2).reshape(b, t, h), self.wo.weight())
        y = self.ffn_norm(x)
        return x + F.linear(F.silu(F.linear(y, self.w1.weight())) * F.linear(y, self.w3.weight()), self.w2.weight())


def inverse_frequencies(c: LmConfig) -> np.ndarray:
    hd = c.head_dim
    return (1.0 / (c.theta ** (np.arange(0, hd, 2)[: hd // 2].astype(np.float32) / hd))).astype(np.float32)


def rope_tables(c: LmConfig, length: int, device=None):
    """LWM's table: float32 inverse frequencies, the angle position × inv_freq rounded to float32, then cos/sin."""
    inv = inverse_frequencies(c)
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
    def __init__(self, c: LmConfig, embed_std: float = 0.06):
        super().__init__()
        self.c = c
        self.wte = Part(c.vocab, c.hidden, std=embed_std)
        self.vte = FactoredTable(c.hidden, embed_std)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln_f = RmsNorm(c.hidden, c.eps)
        self.lm_head = Part(c.vocab, c.hidden, std=0.02)
        self.vision_table = FactoredTable(c.hidden, 0.02)
        cos, sin = rope_tables(c, c.max_sequence_length)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        # 1 on the residual dimensions whose size training keeps bounded (see `excess`)
        self.register_buffer("bounded", torch.zeros(c.hidden))

    def embeddings(self):
        """(wte, vte) as the model reads them."""
        return self.wte.weight(), self.vte.weight()

    def hidden_states(self, ids, vision, upto: int | None = None, sizes: list | None = None):
        """ids, vision: (B, T) long / bool; each id read in the vocabulary its mask names. `upto` stops after that
        many layers (and skips ln_f); `sizes` collects each layer's output norm over the bounded dimensions."""
        wte, vte = self.embeddings()
        x = torch.where(vision[..., None], F.embedding(torch.where(vision, ids, 0), vte),
                        F.embedding(torch.where(vision, 0, ids), wte))
        for blk in self.blocks[:upto]:
            x = blk(x, self.cos, self.sin)
            if sizes is not None:
                sizes.append((x.float() * self.bounded).norm(dim=-1))
        return x if upto is not None else self.ln_f(x)

    def text_head(self, h):
        return h @ self.lm_head.weight().t()

    def vision_head(self, h, ids=None):
        """Vision logits, of every id or of `ids` only."""
        table = self.vision_table.weight()
        return h @ (table if ids is None else table[ids]).t()

    def flax_params(self) -> dict:
        """{key tuple: float32 ndarray} in LWM's scan layout (reference/lwm.md §7.2), sorted as jax flattens."""
        g = lambda t: t.detach().cpu().float().numpy()  # noqa: E731
        scan = ("transformer", "h", "scan_decoder")

        def stack(fn):
            return np.ascontiguousarray(np.stack([fn(b) for b in self.blocks], axis=0))

        wte, vte = self.embeddings()
        out = {
            ("transformer", "wte", "embedding"): g(wte),
            ("transformer", "vte", "embedding"): g(vte),
            ("transformer", "ln_f", "kernel"): g(self.ln_f.scale.weight()),
            ("lm_head", "kernel"): np.ascontiguousarray(g(self.lm_head.weight()).T),
            ("vision_head", "kernel"): np.ascontiguousarray(g(self.vision_table.weight()).T),
        }
        for name in ("wq", "wk", "wv", "wo"):
            out[scan + ("attention", name, "kernel")] = stack(lambda b: g(getattr(b, name).weight()).T)
        for name in ("w1", "w2", "w3"):
            out[scan + ("feed_forward", name, "kernel")] = stack(lambda b: g(getattr(b, name).weight()).T)
        out[scan + ("attention_norm", "kernel")] = stack(lambda b: g(b.attention_norm.scale.weight()))
        out[scan + ("ffn_norm", "kernel")] = stack(lambda b: g(b.ffn_norm.scale.weight()))
        return dict(sorted(out.items()))
