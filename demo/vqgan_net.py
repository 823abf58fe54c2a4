"""LWM's VQGAN topology (reference/lwm.md §3) as a trainable torch module, shaped so that a 2-core machine can train
it in minutes:

* LWM's five levels and wiring at a reduced width: hidden 32, channel_mult (3, 1, 2, 3, 4) (widths 96/32/64/96/128),
  one residual block per encoder level and two per decoder level; a 256×256 frame is 16×16 = 256 codes as in LWM.
* The codebook is the designed code space of codes.py: one-hot rows in four blocks, all of one norm, so LWM's
  Euclidean argmin picks the code with the highest sum of its blocks' scores. The encoder outputs those scores (its
  last convolution's first 55 channels; quant_conv is the identity) and is trained as a classifier of each patch's
  designed code; the decoder draws the clean scene from the codes' rows.
* Everything at 128² and 256² in the encoder, and at 256² in the decoder, is fixed and linear: the encoder's front
  end copies RGB, splits 256² into four 128² phases (space to depth) and averages them to 64²; the decoder's top
  upsamples the 128² RGB it learns to 256² by nearest neighbour. Residual blocks there are exact identities (last
  conv zero). Training runs from 64² (encoder) and up to 128² (decoder) only, on the same maths
  (`encode_latents(exact=False)`, `decode_latents(top=False)`).
* GroupNorm removes each group's image-wide mean and scale, so a group of one channel cannot carry a plain
  background's colour. The decoder's last GroupNorm therefore sees groups of three channels (d, −d, K): their mean
  is K/3 whatever d is and, with K = 10, their scale moves by < 1 %; silu(y) − silu(−y) = y then passes d through
  exactly. The `STRUCTURED` convolution keeps that form while training.

Parameters carry LWM's Flax names ('/' joined; kernels OIHW here, HWIO in the exported pickle).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import codes as K

GROUPS, EPS = 32, 1e-6
HIDDEN, MULT, NUM_RES, Z, EMBED = 32, (3, 1, 2, 3, 4), 1, K.EMBED, K.EMBED
LEVELS = len(MULT)
CODEBOOK_ROWS = K.ROWS
REFERENCE = 10.0  # K of each (d, −d, K) group
FIXED_LEVELS = (0, 1)  # 256² and 128²
# The convolution whose output keeps the (d, −d, K) groups of the decoder's last GroupNorm (it adds K).
STRUCTURED = {f"decoder/UpsamplingBlock_{LEVELS - 1}/ResnetBlock_0/Conv_2": "shortcut"}


def width(level: int) -> int:
    return HIDDEN * MULT[level]


def group_scale() -> float:
    """GroupNorm's scale for a (d, −d, K) group with |d| ≲ 1: sqrt(2 E[d²] / 3 + 2 K² / 9) at E[d²] = 0.3."""
    return float(np.sqrt(2 * 0.3 / 3 + 2 * REFERENCE ** 2 / 9))


def _eye(cout, cin, k, pairs, gain=1.0) -> torch.Tensor:
    """A conv kernel that copies input channel j to output channel i for each (i, j), centre tap only."""
    w = torch.zeros(cout, cin, k, k)
    for i, j in pairs:
        w[i, j, k // 2, k // 2] = gain
    return w


class VqganNet(nn.Module):
    def __init__(self, seed: int = 0):
        super().__init__()
        self.gen = torch.Generator().manual_seed(seed)
        self.names: list = []
        self.p = nn.ParameterDict()
        self.frozen_blocks: set = set()
        last = width(LEVELS - 1)
        s = group_scale()

        # Encoder: fixed front end, then a pooling network that starts by averaging each patch's colour.
        self._set("encoder/Conv_0", _eye(HIDDEN, 3, 3, [(c, c) for c in range(3)]), fixed=True)
        s2d = torch.zeros(width(0), width(0), 3, 3)  # taps (a, b) of the 2×2 window below-right
        for p, (a, b) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            for c in range(3):
                s2d[3 * p + c, c, a, b] = 1.0
        self._resnet("encoder/DownsamplingBlock_0/ResnetBlock_0", HIDDEN, width(0), frozen=True, fixed_shortcut=True,
                     shortcut=_eye(width(0), HIDDEN, 1, [(c, c) for c in range(3)]))
        self._set("encoder/DownsamplingBlock_0/Downsample_0/Conv_0", s2d, fixed=True)
        phases = 12
        self._resnet("encoder/DownsamplingBlock_1/ResnetBlock_0", width(0), width(1), frozen=True, fixed_shortcut=True,
                     shortcut=_eye(width(1), width(0), 1, [(k, k) for k in range(phases)]))
        self._set("encoder/DownsamplingBlock_1/Downsample_0/Conv_0", self._avg(width(1), phases), fixed=True)
        # The learned levels start as identities of the phase colours (zero branches, copying shortcuts).
        for level in range(2, LEVELS):
            cin = width(level - 1)
            self._resnet(f"encoder/DownsamplingBlock_{level}/ResnetBlock_0", cin, width(level),
                         shortcut=_eye(width(level), cin, 1, [(k, k) for k in range(cin)]))
            if level < LEVELS - 1:
                self._set(f"encoder/DownsamplingBlock_{level}/Downsample_0/Conv_0",
                          self._avg(width(level), width(level)))
        for j in range(2):
            self._resnet(f"encoder/MidBlock_0/ResnetBlock_{j}", last, last)
        self._norm("encoder/GroupNorm_0", last)
        # The last convolution's first channels are the code blocks' scores.
        self._set("encoder/Conv_1", self._rand(Z, last, 3, 0.02))
        self._set("quant_conv", _eye(EMBED, Z, 1, [(k, k) for k in range(K.USED_DIMS)]), fixed=True)

        # Decoder: its learned levels start as copies of the code rows (zero branches); training teaches it to draw.
        self._set("post_quant_conv", _eye(Z, EMBED, 1, [(k, k) for k in range(Z)]))
        self._set("decoder/Conv_0", _eye(last, Z, 3, [(k, k) for k in range(Z)]))
        for j in range(2):
            self._resnet(f"decoder/MidBlock_0/ResnetBlock_{j}", last, last)
        cin = last
        for level in reversed(range(LEVELS)):
            block = f"decoder/UpsamplingBlock_{LEVELS - 1 - level}"
            frozen = level in FIXED_LEVELS
            for j in range(NUM_RES + 1):
                cout = width(level)
                shortcut = None
                if cin != cout:
                    if level == 0:  # the (d, −d, K) groups of the last GroupNorm, d = the learned 128² RGB
                        shortcut = torch.zeros(cout // 3, cin, 1, 1)
                        for c in range(3):
                            shortcut[c, c] = 1.0
                    else:
                        shortcut = _eye(cout, cin, 1, [(k, k) for k in range(min(cin, cout))])
                self._resnet(f"{block}/ResnetBlock_{j}", cin, cout, frozen=frozen, shortcut=shortcut,
                             fixed_shortcut=frozen)
                cin = cout
            if level > 0:
                # The upsample into 256² (level 1's) is fixed; the others start as plain nearest-neighbour copies.
                self._set(f"{block}/Upsample_0/Conv_0", _eye(cin, cin, 3, [(k, k) for k in range(cin)]),
                          fixed=level == 1)
        self._norm("decoder/GroupNorm_0", width(0), centred=True, fixed=True)
        out = torch.zeros(3, width(0), 3, 3)
        for c in range(3):
            out[c, 3 * c, 1, 1], out[c, 3 * c + 1, 1, 1] = s, -s
        self._set("decoder/Conv_1", out, fixed=True)
        self.register_buffer("codebook", torch.from_numpy(K.codebook()))

    # ---- parameters
    @staticmethod
    def key(name: str) -> str:
        return name.replace("/", "__")

    def w(self, name: str) -> torch.Tensor:
        value = self.p[self.key(name)]
        path, leaf = name.rsplit("/", 1)
        kind = STRUCTURED.get(path)
        if kind is None:
            return value
        third = torch.full_like(value, REFERENCE) if leaf == "bias" and kind == "shortcut" else torch.zeros_like(value)
        return torch.stack([value, -value, third], dim=1).reshape(-1, *value.shape[1:])

    def _param(self, name: str, value: torch.Tensor, trainable: bool):
        if name not in self.names:
            self.names.append(name)
        self.p[self.key(name)] = nn.Parameter(value.float(), requires_grad=trainable)

    def _rand(self, cout, cin, k, std=None) -> torch.Tensor:
        std = (1.0 / np.sqrt(cin * k * k)) if std is None else std
        return torch.randn(cout, cin, k, k, generator=self.gen) * std

    @staticmethod
    def _avg(channels, used) -> torch.Tensor:
        w = torch.zeros(channels, channels, 3, 3)
        for k in range(used):
            w[k, k, :2, :2] = 0.25
        return w

    def _set(self, path, kernel, fixed=False, bias=None):
        self._param(f"{path}/kernel", kernel, not fixed)
        self._param(f"{path}/bias", torch.zeros(kernel.shape[0]) if bias is None else bias, not fixed)

    def _norm(self, path, c, centred=False, fixed=False):
        # Centring the d and −d channels of (d, −d, K) groups: GroupNorm subtracts K/3 from them.
        bias = torch.zeros(c)
        if centred:
            for g in range(c // 3):
                bias[3 * g] = bias[3 * g + 1] = REFERENCE / 3 / group_scale()
        self._param(f"{path}/scale", torch.ones(c), not fixed)
        self._param(f"{path}/bias", bias, not fixed)

    def _resnet(self, path, cin, cout, frozen=False, shortcut=None, fixed_shortcut=False):
        self._norm(f"{path}/GroupNorm_0", cin, fixed=frozen)
        self._set(f"{path}/Conv_0", self._rand(cout, cin, 3), fixed=frozen)
        self._norm(f"{path}/GroupNorm_1", cout, fixed=frozen)
        rows = cout // 3 if f"{path}/Conv_1" in STRUCTURED else cout
        self._set(f"{path}/Conv_1", torch.zeros(rows, cout, 3, 3), fixed=frozen)  # zero: the block starts as its shortcut
        if cin != cout:
            rows = cout // 3 if f"{path}/Conv_2" in STRUCTURED else cout
            self._set(f"{path}/Conv_2", shortcut if shortcut is not None else self._rand(rows, cin, 1),
                      fixed=fixed_shortcut)
        if frozen:
            self.frozen_blocks.add(path)

    # ---- layers
    def conv(self, x, path, stride=1, padding=None):
        kernel = self.w(f"{path}/kernel")
        pad = kernel.shape[-1] // 2 if padding is None else padding
        return F.conv2d(x, kernel, self.w(f"{path}/bias"), stride=stride, padding=pad)

    def norm(self, x, path):
        return F.group_norm(x, GROUPS, self.w(f"{path}/scale"), self.w(f"{path}/bias"), eps=EPS)

    def resnet(self, x, path, exact=True):
        shortcut = self.conv(x, f"{path}/Conv_2") if self.key(f"{path}/Conv_2/kernel") in self.p else x
        if path in self.frozen_blocks and not exact:
            return shortcut  # its branch is exactly zero
        h = self.conv(F.silu(self.norm(x, f"{path}/GroupNorm_0")), f"{path}/Conv_0")
        h = self.conv(F.silu(self.norm(h, f"{path}/GroupNorm_1")), f"{path}/Conv_1")
        return shortcut + h

    def downsample(self, x, level):
        return self.conv(F.pad(x, (0, 1, 0, 1)), f"encoder/DownsamplingBlock_{level}/Downsample_0/Conv_0",
                         stride=2, padding=0)

    # ---- encoder / quantizer / decoder (NCHW, pixels in [-1, 1])
    def encode_latents(self, x, exact=True):
        """quant_conv output (B, 64, 16, 16). exact=False computes the fixed 256²/128² front end as the copies and
        averages it is (same values), then the trained levels."""
        if exact:
            x = self.conv(x, "encoder/Conv_0")
            first = 0
        else:
            b = x.shape[0]
            phases = x.view(b, 3, 128, 2, 128, 2).permute(0, 3, 5, 1, 2, 4).reshape(b, 12, 128, 128)
            x = F.avg_pool2d(phases, 2)
            x = torch.cat([x, x.new_zeros(b, width(1) - 12, 64, 64)], dim=1)
            first = 2
        for level in range(first, LEVELS):
            for j in range(NUM_RES):
                x = self.resnet(x, f"encoder/DownsamplingBlock_{level}/ResnetBlock_{j}", exact)
            if level < LEVELS - 1:
                x = self.downsample(x, level)
        for j in range(2):
            x = self.resnet(x, f"encoder/MidBlock_0/ResnetBlock_{j}", exact)
        x = self.conv(F.silu(self.norm(x, "encoder/GroupNorm_0")), "encoder/Conv_1")
        return self.conv(x, "quant_conv")

    @staticmethod
    def patch_latents(z):
        """(B, 64, 16, 16) -> (B·256, 64), patches in row-major order."""
        return z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])

    def scores(self, z):
        """(B·256, codes) each patch's score of each designed code: z · row, which LWM's argmin maximizes."""
        return self.patch_latents(z) @ self.codebook[:K.CODES].t()

    def quantize(self, z):
        """(code rows (B, 64, 16, 16), codes (B, 16, 16)): the designed code each patch scores highest."""
        b, _, h, w = z.shape
        codes = self.scores(z).argmax(dim=1).view(b, h, w)
        return self.rows(codes), codes

    def rows(self, codes):
        """(B, 16, 16) codes -> (B, 64, 16, 16) codebook rows, the decoder's input."""
        return self.codebook[codes].permute(0, 3, 1, 2).contiguous()

    def decode_latents(self, q, top=True, exact=True):
        """Pixels (B, 3, 256, 256), not clipped; top=False stops at the learned 128² RGB (B, 3, 128, 128)."""
        x = self.conv(q, "post_quant_conv")
        x = self.conv(x, "decoder/Conv_0")
        for j in range(2):
            x = self.resnet(x, f"decoder/MidBlock_0/ResnetBlock_{j}", exact)
        for level in reversed(range(LEVELS)):
            block = f"decoder/UpsamplingBlock_{LEVELS - 1 - level}"
            if level == 1 and not top:
                return x[:, :3]
            for j in range(NUM_RES + 1):
                x = self.resnet(x, f"{block}/ResnetBlock_{j}", exact)
            if level > 0:
                x = self.conv(F.interpolate(x, scale_factor=2, mode="nearest"), f"{block}/Upsample_0/Conv_0")
        return self.conv(F.silu(self.norm(x, "decoder/GroupNorm_0")), "decoder/Conv_1")

    # ---- export and import
    @classmethod
    def from_flax(cls, flat: dict) -> "VqganNet":
        """The network of an exported {flax name: HWIO ndarray} tree (the inverse of flax_params), for its fast
        encoder; structured kernels keep their first of every three output rows."""
        net = cls()
        with torch.no_grad():
            for name in net.names:
                a = torch.from_numpy(np.asarray(flat[name], np.float32))
                if name.endswith("/kernel"):
                    a = a.permute(3, 2, 0, 1)  # HWIO -> OIHW
                if name.rsplit("/", 1)[0] in STRUCTURED:
                    a = a[0::3]
                net.p[net.key(name)].copy_(a)
        return net.eval()

    def flax_params(self) -> dict:
        """{flax name: float32 ndarray}, HWIO kernels; quant_conv passes the blocks' scores and zeroes the rest, so the
        Euclidean argmin over the codebook is the code of the highest score."""
        out = {}
        for name in self.names:
            a = self.w(name).detach().cpu().numpy().astype(np.float32).copy()
            if name.endswith("/kernel"):
                a = np.ascontiguousarray(a.transpose(2, 3, 1, 0))  # OIHW -> HWIO
            out[name] = a
        out["quantize/embeddings"] = K.codebook()
        return out
