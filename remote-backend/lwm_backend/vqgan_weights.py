"""LWM's VQGAN parameters (lwm.md §3.6): read, checked against the topology, flattened to '/'-joined Flax names.

Two formats, recognised by their first bytes: LWM's own `vqgan` file (a pickled Flax parameter tree, read with the
restricted unpickler so nothing in it runs) and the same tree as safetensors ("encoder/Conv_0/kernel", ...). The
configuration is read from the parameter shapes, so reduced test models load like the real one.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from . import unpickle

RESOLUTION = 256
GROUPS = 32  # Flax GroupNorm's default; every width must be a multiple
MAX_LEVELS = 9  # deeper than this leaves no code per frame
MID_BLOCKS = 2  # both mid blocks are two residual blocks (no attention)

_PICKLE_PROTO = 0x80
_SAFETENSORS_HEADER_START = 8


@dataclasses.dataclass(frozen=True)
class VqganConfig:
    """LWM's is hidden 128, widths (128, 256, 256, 512, 768), 2 residual blocks, z 64, codebook 8192 x 64."""

    in_channels: int
    hidden: int
    widths: tuple[int, ...]  # per level, full resolution first (hidden x channel_mult)
    num_res_blocks: int  # per encoder level; the decoder has one more
    z_channels: int
    num_embeddings: int
    embed_dim: int

    @property
    def levels(self) -> int:
        return len(self.widths)

    @property
    def grid(self) -> int:
        """Codes per side of a frame: every level but the last halves the resolution."""
        return RESOLUTION >> (self.levels - 1)

    @property
    def codes_per_frame(self) -> int:
        return self.grid * self.grid


def encoder_block(level: int) -> str:
    return f"encoder/DownsamplingBlock_{level}"


def decoder_block(config: VqganConfig, level: int) -> str:
    """Flax numbers the decoder's blocks in creation order, deepest level first."""
    return f"decoder/UpsamplingBlock_{config.levels - 1 - level}"


def expected_shapes(c: VqganConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter the topology (lwm.md §3.2) takes, with its shape; kernels are HWIO."""
    shapes: dict[str, tuple[int, ...]] = {}

    def conv(path: str, k: int, cin: int, cout: int) -> None:
        shapes[f"{path}/kernel"] = (k, k, cin, cout)
        shapes[f"{path}/bias"] = (cout,)

    def norm(path: str, channels: int) -> None:
        shapes[f"{path}/scale"] = (channels,)
        shapes[f"{path}/bias"] = (channels,)

    def resnet(path: str, cin: int, cout: int) -> None:
        norm(f"{path}/GroupNorm_0", cin)
        conv(f"{path}/Conv_0", 3, cin, cout)
        norm(f"{path}/GroupNorm_1", cout)
        conv(f"{path}/Conv_1", 3, cout, cout)
        if cin != cout:
            conv(f"{path}/Conv_2", 1, cin, cout)

    last = c.levels - 1
    deepest = c.widths[last]
    conv("encoder/Conv_0", 3, c.in_channels, c.hidden)
    width = c.hidden
    for level in range(c.levels):
        for j in range(c.num_res_blocks):
            resnet(f"{encoder_block(level)}/ResnetBlock_{j}", width, c.widths[level])
            width = c.widths[level]
        if level < last:
            conv(f"{encoder_block(level)}/Downsample_0/Conv_0", 3, width, width)
    for j in range(MID_BLOCKS):
        resnet(f"encoder/MidBlock_0/ResnetBlock_{j}", deepest, deepest)
    norm("encoder/GroupNorm_0", deepest)
    conv("encoder/Conv_1", 3, deepest, c.z_channels)
    conv("quant_conv", 1, c.z_channels, c.embed_dim)
    shapes["quantize/embeddings"] = (c.num_embeddings, c.embed_dim)
    conv("post_quant_conv", 1, c.embed_dim, c.z_channels)
    conv("decoder/Conv_0", 3, c.z_channels, deepest)
    for j in range(MID_BLOCKS):
        resnet(f"decoder/MidBlock_0/ResnetBlock_{j}", deepest, deepest)
    width = deepest
    for level in range(last, -1, -1):
        for j in range(c.num_res_blocks + 1):
            resnet(f"{decoder_block(c, level)}/ResnetBlock_{j}", width, c.widths[level])
            width = c.widths[level]
        if level > 0:
            conv(f"{decoder_block(c, level)}/Upsample_0/Conv_0", 3, width, width)
    norm("decoder/GroupNorm_0", c.widths[0])
    conv("decoder/Conv_1", 3, c.widths[0], c.in_channels)
    return shapes


def read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The file's arrays by '/'-joined name; a pickle starts with PROTO (0x80), safetensors with its header length
    and then the JSON header's '{'."""
    name = os.fspath(path)
    with open(name, "rb") as f:
        head = f.read(_SAFETENSORS_HEADER_START + 1)
    if head[:1] == bytes([_PICKLE_PROTO]):
        return unpickle.load_array_tree(name)
    if len(head) == _SAFETENSORS_HEADER_START + 1 and head[-1:] == b"{":
        return _read_safetensors(name)
    raise ValueError(f"{name}: neither a pickle (LWM's vqgan file, protocol 2 or later) nor a safetensors file")


def _read_safetensors(name: str) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file  # imported here: only safetensors inputs need it

    try:
        return load_file(name)
    except Exception as e:  # safetensors raises its own SafetensorError, and TypeError for unsupported dtypes
        raise ValueError(f"{name}: unreadable safetensors file ({type(e).__name__}: {e})") from e


def infer_config(arrays: dict[str, np.ndarray], file: str) -> VqganConfig:
    """The configuration implied by a few shapes; `validate` then checks every parameter against it."""
    stem = _shape(arrays, file, "encoder/Conv_0/kernel", 4)
    in_channels, hidden = stem[2], _groupable(file, "encoder/Conv_0/kernel", stem[3])
    # Level 0 must exist (_shape reports it missing); further levels are counted.
    widths = [_level_width(arrays, file, 0)]
    while f"{encoder_block(len(widths))}/ResnetBlock_0/Conv_0/kernel" in arrays:
        widths.append(_level_width(arrays, file, len(widths)))
    num_res_blocks = 0
    while f"{encoder_block(0)}/ResnetBlock_{num_res_blocks}/Conv_0/kernel" in arrays:
        num_res_blocks += 1
    codebook = _shape(arrays, file, "quantize/embeddings", 2)
    return VqganConfig(in_channels=in_channels, hidden=hidden, widths=tuple(widths), num_res_blocks=num_res_blocks,
                       z_channels=_shape(arrays, file, "encoder/Conv_1/kernel", 4)[3],
                       num_embeddings=codebook[0], embed_dim=codebook[1])


def _level_width(arrays: dict[str, np.ndarray], file: str, level: int) -> int:
    first = f"{encoder_block(level)}/ResnetBlock_0/Conv_0/kernel"
    if level == MAX_LEVELS:
        raise ValueError(f"{file}: '{first}': more than {MAX_LEVELS} encoder levels would leave no codes per frame")
    return _groupable(file, first, _shape(arrays, file, first, 4)[3])


def _shape(arrays: dict[str, np.ndarray], file: str, name: str, rank: int) -> tuple[int, ...]:
    if name not in arrays:
        raise ValueError(f"{file}: '{name}': missing parameter")
    shape = arrays[name].shape
    if len(shape) != rank or min(shape) < 1:
        raise ValueError(f"{file}: '{name}': shape {shape} is not a rank-{rank} shape with positive dimensions")
    return shape


def _groupable(file: str, name: str, width: int) -> int:
    if width % GROUPS:
        raise ValueError(f"{file}: '{name}': width {width} cannot be split into {GROUPS} GroupNorm groups")
    return width


def validate(arrays: dict[str, np.ndarray], config: VqganConfig, file: str) -> None:
    """Every expected parameter present with its shape and a float type, and nothing else (attention blocks,
    typos)."""
    expected = expected_shapes(config)
    for name, shape in expected.items():
        if name not in arrays:
            raise ValueError(f"{file}: '{name}': missing parameter for {describe(config)}")
        if arrays[name].shape != shape:
            raise ValueError(f"{file}: '{name}': shape {arrays[name].shape} but {describe(config)} needs {shape}")
        if arrays[name].dtype.kind != "f":
            raise ValueError(f"{file}: '{name}': {arrays[name].dtype} is not a float type")
    unused = [name for name in arrays if name not in expected]
    if unused:
        raise ValueError(f"{file}: '{unused[0]}': unexpected parameter for {describe(config)} ({len(unused)} unused "
                         "in all; attention blocks are not supported)")


def describe(c: VqganConfig) -> str:
    return (f"VQGAN(hidden {c.hidden}, widths {list(c.widths)}, {c.num_res_blocks} residual blocks, z {c.z_channels}, "
            f"codebook {c.num_embeddings} x {c.embed_dim})")


def load(path: str | os.PathLike) -> tuple[VqganConfig, dict[str, np.ndarray]]:
    """The checked parameters as float32 by '/'-joined name, with the configuration they imply."""
    name = os.fspath(path)
    arrays = read_arrays(name)
    config = infer_config(arrays, name)
    validate(arrays, config, name)
    return config, {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}


def nest(flat: dict[str, np.ndarray]) -> dict:
    """'/'-joined names back to the nested tree (the pytree the model functions take)."""
    tree: dict = {}
    for name, value in flat.items():
        *parents, leaf = name.split("/")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree
