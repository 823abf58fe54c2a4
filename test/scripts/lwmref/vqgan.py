"""LWM's VQGAN written from reference/lwm.md §3 (not from the Java port): parameter tree and forward pass.

Parameters use LWM's Flax names and layouts ('/'-joined paths, conv kernels HWIO); the forward pass runs in PyTorch
NCHW with F32 everywhere. Spec points that are easy to get wrong and are reproduced here on purpose:
  * GroupNorm: 32 groups, eps 1e-6 (Flax default; PyTorch's default would be 1e-5);
  * 3x3 stride-1 convs pad 1 on every side (Flax 'SAME');
  * Downsample pads one row/column at the bottom/right only, then a 3x3 stride-2 VALID conv;
  * Upsample is nearest x2, then a 3x3 conv;
  * decoder 'UpsamplingBlock_0' is the deepest level (Flax creation order runs from the deepest level up);
  * quantizer: d = ||z||^2 + ||e||^2 - 2 z.e^T over the raw codebook, argmin (first index on ties);
  * decoder output clipped to [-1, 1]; uint8 = truncation of (x + 1) * 127.5.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

GROUPS = 32
EPS = 1e-6
RESOLUTION = 256


@dataclass(frozen=True)
class VqganConfig:
    name: str
    hidden: int
    mult: tuple
    num_res_blocks: int
    z_channels: int
    num_embeddings: int
    embed_dim: int
    in_channels: int = 3

    @property
    def levels(self) -> int:
        return len(self.mult)

    def width(self, level: int) -> int:
        return self.hidden * self.mult[level]

    @property
    def grid(self) -> int:
        """Codes per side: every level but the last halves the resolution."""
        return RESOLUTION >> (self.levels - 1)


FULL = VqganConfig("full", hidden=128, mult=(1, 2, 2, 4, 6), num_res_blocks=2, z_channels=64,
                   num_embeddings=8192, embed_dim=64)
# Same topology at a quarter of the width (GroupNorm needs every width divisible by 32) and a smaller codebook.
SMALL = VqganConfig("small", hidden=32, mult=(1, 2, 2, 4, 6), num_res_blocks=2, z_channels=64,
                    num_embeddings=512, embed_dim=64)
FULL_PARAMETER_COUNT = 146_244_675  # lwm.md §3.6


# ---- parameter names and shapes (Flax naming, HWIO kernels)

def _conv(shapes: dict, path: str, k: int, cin: int, cout: int) -> None:
    shapes[f"{path}/kernel"] = (k, k, cin, cout)
    shapes[f"{path}/bias"] = (cout,)


def _norm(shapes: dict, path: str, channels: int) -> None:
    shapes[f"{path}/scale"] = (channels,)
    shapes[f"{path}/bias"] = (channels,)


def _resnet(shapes: dict, path: str, cin: int, cout: int) -> None:
    _norm(shapes, f"{path}/GroupNorm_0", cin)
    _conv(shapes, f"{path}/Conv_0", 3, cin, cout)
    _norm(shapes, f"{path}/GroupNorm_1", cout)
    _conv(shapes, f"{path}/Conv_1", 3, cout, cout)
    if cin != cout:
        _conv(shapes, f"{path}/Conv_2", 1, cin, cout)  # 1x1 shortcut


def decoder_block_name(level: int, cfg: VqganConfig) -> str:
    """The Flax module name of decoder level `level` (0 = full resolution): created deepest first."""
    return f"UpsamplingBlock_{cfg.levels - 1 - level}"


def param_shapes(cfg: VqganConfig) -> dict:
    """Every parameter's '/'-joined name and Flax shape, in creation order."""
    s: dict = {}
    last = cfg.width(cfg.levels - 1)
    _conv(s, "encoder/Conv_0", 3, cfg.in_channels, cfg.hidden)
    cin = cfg.hidden
    for level in range(cfg.levels):
        cout = cfg.width(level)
        for j in range(cfg.num_res_blocks):
            _resnet(s, f"encoder/DownsamplingBlock_{level}/ResnetBlock_{j}", cin, cout)
            cin = cout
        if level < cfg.levels - 1:
            _conv(s, f"encoder/DownsamplingBlock_{level}/Downsample_0/Conv_0", 3, cout, cout)
    for j in range(2):
        _resnet(s, f"encoder/MidBlock_0/ResnetBlock_{j}", last, last)
    _norm(s, "encoder/GroupNorm_0", last)
    _conv(s, "encoder/Conv_1", 3, last, cfg.z_channels)

    _conv(s, "decoder/Conv_0", 3, cfg.z_channels, last)
    for j in range(2):
        _resnet(s, f"decoder/MidBlock_0/ResnetBlock_{j}", last, last)
    cin = last
    for level in reversed(range(cfg.levels)):
        block = f"decoder/{decoder_block_name(level, cfg)}"
        cout = cfg.width(level)
        for j in range(cfg.num_res_blocks + 1):
            _resnet(s, f"{block}/ResnetBlock_{j}", cin, cout)
            cin = cout
        if level > 0:
            _conv(s, f"{block}/Upsample_0/Conv_0", 3, cout, cout)
    # The output norm and conv follow the last upsampling block, whose width is hidden × mult[0].
    _norm(s, "decoder/GroupNorm_0", cfg.width(0))
    _conv(s, "decoder/Conv_1", 3, cfg.width(0), cfg.in_channels)

    s["quantize/embeddings"] = (cfg.num_embeddings, cfg.embed_dim)
    _conv(s, "quant_conv", 1, cfg.z_channels, cfg.embed_dim)
    _conv(s, "post_quant_conv", 1, cfg.embed_dim, cfg.z_channels)
    return s


def to_tree(flat: dict) -> dict:
    """{'a/b/c': x} -> {'a': {'b': {'c': x}}}: the nested dict LWM pickles."""
    tree: dict = {}
    for name, value in flat.items():
        node = tree
        *parents, leaf = name.split("/")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return tree


def flatten(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


# ---- forward pass

class Vqgan:
    """Encode / decode with F32 torch tensors built from a flat {name: np.ndarray} parameter map."""

    def __init__(self, cfg: VqganConfig, params: dict):
        expected = param_shapes(cfg)
        assert set(params) == set(expected), sorted(set(params) ^ set(expected))
        for name, shape in expected.items():
            assert tuple(params[name].shape) == shape, (name, params[name].shape, shape)
        self.cfg = cfg
        self.t = {}
        for name, value in params.items():
            w = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
            if name.endswith("/kernel"):
                w = w.permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
            self.t[name] = w

    # -- building blocks

    def conv(self, x, path: str, stride: int = 1, padding: int | None = None):
        w = self.t[f"{path}/kernel"]
        pad = (w.shape[-1] // 2) if padding is None else padding  # 'SAME' for odd kernels at stride 1
        return F.conv2d(x, w, self.t[f"{path}/bias"], stride=stride, padding=pad)

    def norm(self, x, path: str):
        return F.group_norm(x, GROUPS, self.t[f"{path}/scale"], self.t[f"{path}/bias"], eps=EPS)

    def resnet(self, x, path: str):
        h = self.conv(F.silu(self.norm(x, f"{path}/GroupNorm_0")), f"{path}/Conv_0")
        h = self.conv(F.silu(self.norm(h, f"{path}/GroupNorm_1")), f"{path}/Conv_1")
        if f"{path}/Conv_2/kernel" in self.t:
            x = self.conv(x, f"{path}/Conv_2")
        return x + h

    def downsample(self, x, path: str):
        x = F.pad(x, (0, 1, 0, 1))  # (left, right, top, bottom): one column right, one row bottom
        return self.conv(x, path, stride=2, padding=0)

    def upsample(self, x, path: str):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"), path)

    # -- encoder / quantizer / decoder

    def encode_latents(self, frames_nhwc: np.ndarray) -> torch.Tensor:
        """(B, 256, 256, 3) in [-1, 1] -> quant_conv output (B, grid, grid, embed_dim)."""
        cfg = self.cfg
        assert frames_nhwc.shape[1:] == (RESOLUTION, RESOLUTION, cfg.in_channels), frames_nhwc.shape
        x = torch.from_numpy(np.ascontiguousarray(frames_nhwc, dtype=np.float32)).permute(0, 3, 1, 2).contiguous()
        x = self.conv(x, "encoder/Conv_0")
        for level in range(cfg.levels):
            block = f"encoder/DownsamplingBlock_{level}"
            for j in range(cfg.num_res_blocks):
                x = self.resnet(x, f"{block}/ResnetBlock_{j}")
            if level < cfg.levels - 1:
                x = self.downsample(x, f"{block}/Downsample_0/Conv_0")
        for j in range(2):
            x = self.resnet(x, f"encoder/MidBlock_0/ResnetBlock_{j}")
        x = self.conv(F.silu(self.norm(x, "encoder/GroupNorm_0")), "encoder/Conv_1")
        x = self.conv(x, "quant_conv")
        return x.permute(0, 2, 3, 1).contiguous()

    def quantize(self, latents: torch.Tensor):
        """Nearest codebook rows: (codes, second-best codes, best distance, second-best minus best), each (B, g, g)."""
        e = self.t["quantize/embeddings"]
        z = latents.reshape(-1, e.shape[1])
        d = (z * z).sum(1, keepdim=True) + (e * e).sum(1)[None, :] - 2.0 * (z @ e.T)
        best = torch.argmin(d, dim=1)  # first index among equal minima, like numpy/jnp argmin
        best_d = d.gather(1, best[:, None])[:, 0]
        rest = d.clone()
        rest.scatter_(1, best[:, None], float("inf"))
        second = torch.argmin(rest, dim=1)
        second_d = rest.gather(1, second[:, None])[:, 0]
        shape = latents.shape[:3]
        return (best.reshape(shape), second.reshape(shape), best_d.reshape(shape),
                (second_d - best_d).reshape(shape))

    def encode(self, frames_nhwc: np.ndarray) -> np.ndarray:
        return self.quantize(self.encode_latents(frames_nhwc))[0].numpy().astype(np.int32)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """(B, g, g) codes -> (B, 256, 256, 3) float32 pixels clipped to [-1, 1]."""
        return torch.clamp(self.decode_unclipped(codes), -1.0, 1.0).numpy()

    def decode_unclipped(self, codes: np.ndarray) -> torch.Tensor:
        cfg = self.cfg
        idx = torch.from_numpy(np.asarray(codes, dtype=np.int64))
        x = self.t["quantize/embeddings"][idx].permute(0, 3, 1, 2)  # (B, D, g, g)
        x = self.conv(x, "post_quant_conv")
        x = self.conv(x, "decoder/Conv_0")
        for j in range(2):
            x = self.resnet(x, f"decoder/MidBlock_0/ResnetBlock_{j}")
        for level in reversed(range(cfg.levels)):
            block = f"decoder/{decoder_block_name(level, cfg)}"
            for j in range(cfg.num_res_blocks + 1):
                x = self.resnet(x, f"{block}/ResnetBlock_{j}")
            if level > 0:
                x = self.upsample(x, f"{block}/Upsample_0/Conv_0")
        x = self.conv(F.silu(self.norm(x, "decoder/GroupNorm_0")), "decoder/Conv_1")
        return x.permute(0, 2, 3, 1).contiguous()


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """LWM's saving rule: truncation of (x + 1) * 127.5, computed in float32 like the Jax code."""
    return ((pixels.astype(np.float32) + np.float32(1.0)) * np.float32(127.5)).astype(np.uint8)
