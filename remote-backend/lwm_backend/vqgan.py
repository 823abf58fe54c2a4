"""LWM's VQGAN in JAX (lwm.md §3): 256 x 256 RGB frames to a 16 x 16 grid of codebook indices and back.

Frames are NHWC; the encoder takes pixels in [-1, 1] (uint8 / 127.5 - 1) and the decoder returns them clipped to
[-1, 1]. Codes are row-major per frame. Layers follow Flax's semantics as LWM's `vqgan.py` uses them: GroupNorm with
32 groups, eps 1e-6 and variance E[x^2] - E[x]^2 in float32; 'SAME' 3x3 convs; downsampling pads bottom/right then a
3x3 stride-2 'VALID' conv; nearest x2 upsampling then a 3x3 conv; no attention blocks.

F32 runs every conv and matmul at full float32 precision (Precision.HIGHEST, so GPUs do not fall back to TF32); BF16
runs convs in bfloat16 with norms, the codebook distances and the output in float32.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import vqgan_weights
from .vqgan_weights import GROUPS, MID_BLOCKS, RESOLUTION, VqganConfig

GROUPNORM_EPS = 1e-6
DTYPES = {"f32": jnp.float32, "bf16": jnp.bfloat16}
DEFAULT_BATCH = 8
_CONV_DIMS = ("NHWC", "HWIO", "NHWC")


class Vqgan:
    """A loaded VQGAN on one device; `encode*` and `decode*` run in jitted batches of up to `batch_size` frames.

    Batches are padded to a power of two so that at most log2(batch_size) + 1 shapes are ever compiled.
    """

    def __init__(self, config: VqganConfig, params: dict, dtype: str = "f32", batch_size: int = DEFAULT_BATCH,
                 device: jax.Device | None = None) -> None:
        if dtype not in DTYPES:
            raise ValueError(f"dtype {dtype!r}: expected one of {sorted(DTYPES)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive: {batch_size}")
        self.config = config
        self.dtype = dtype
        self.batch_size = batch_size
        self._device = device or jax.devices()[0]
        self._params = jax.device_put(_cast_params(params, DTYPES[dtype]), self._device)
        # Static arguments of the module-level jitted functions, so instances of one shape share compilations.
        self._static = (config, DTYPES[dtype], lax.Precision.HIGHEST if dtype == "f32" else lax.Precision.DEFAULT)

    @classmethod
    def load(cls, path: str | os.PathLike, dtype: str = "f32", batch_size: int = DEFAULT_BATCH,
             device: jax.Device | None = None) -> "Vqgan":
        """From LWM's `vqgan` pickle or the same tree as safetensors; the configuration comes from the shapes."""
        config, flat = vqgan_weights.load(path)
        return cls(config, vqgan_weights.nest(flat), dtype=dtype, batch_size=batch_size, device=device)

    @property
    def codes_per_frame(self) -> int:
        return self.config.codes_per_frame

    def encode(self, frames_uint8: np.ndarray) -> np.ndarray:
        """Codes [n, grid * grid] int32 of uint8 frames [n, 256, 256, 3], converted as LWM does."""
        frames = self._check_frames(frames_uint8, np.uint8)
        # In numpy, as LWM does, so the float frames are bit-identical to LWM's whatever XLA does with a division.
        return self.encode_float(frames.astype(np.float32) / np.float32(127.5) - np.float32(1.0))

    def encode_float(self, frames: np.ndarray) -> np.ndarray:
        """Codes [n, grid * grid] int32 of float frames [n, 256, 256, 3] in [-1, 1]."""
        frames = self._check_frames(frames, np.float32)
        return self._batched(_codes_jit, frames, (self.codes_per_frame,), np.int32)

    def latents(self, frames: np.ndarray) -> np.ndarray:
        """The vectors the quantizer matches (quant_conv's output), float32 [n, grid, grid, embed_dim]; for
        diagnostics and parity checks."""
        frames = self._check_frames(frames, np.float32)
        g = self.config.grid
        return self._batched(_latents_jit, frames, (g, g, self.config.embed_dim))

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """uint8 frames [n, 256, 256, 3] of codes [n, grid * grid], by LWM's saving rule: uint8((x + 1) * 127.5),
        truncating."""
        pixels = self.decode_float(codes)
        return ((pixels + np.float32(1.0)) * np.float32(127.5)).astype(np.uint8)

    def decode_float(self, codes: np.ndarray) -> np.ndarray:
        """Pixels float32 [n, 256, 256, 3] in [-1, 1] of codes [n, grid * grid]."""
        codes = self._check_codes(codes)
        return self._batched(_pixels_jit, codes, (RESOLUTION, RESOLUTION, self.config.in_channels))

    def _batched(self, fn, inputs: np.ndarray, out_shape: tuple[int, ...], out_dtype=np.float32) -> np.ndarray:
        out = np.empty((len(inputs),) + out_shape, dtype=out_dtype)
        for start in range(0, len(inputs), self.batch_size):
            chunk = inputs[start:start + self.batch_size]
            count = len(chunk)
            padding = np.zeros((_bucket(count) - count,) + chunk.shape[1:], chunk.dtype)
            result = fn(*self._static, self._params, jax.device_put(np.concatenate([chunk, padding]), self._device))
            out[start:start + count] = np.asarray(result)[:count]
        return out

    def _check_frames(self, frames: np.ndarray, dtype: type) -> np.ndarray:
        frames = np.asarray(frames)
        expected = (RESOLUTION, RESOLUTION, self.config.in_channels)
        if frames.ndim != 4 or frames.shape[1:] != expected:
            raise ValueError(f"frames of shape {frames.shape}: expected [n, {expected[0]}, {expected[1]}, "
                             f"{expected[2]}] (NHWC)")
        if dtype is np.uint8 and frames.dtype != np.uint8:
            raise ValueError(f"frames of type {frames.dtype}: encode takes uint8 (encode_float takes [-1, 1])")
        return np.ascontiguousarray(frames, dtype=dtype)

    def _check_codes(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.ndim != 2 or codes.shape[1] != self.codes_per_frame:
            raise ValueError(f"codes of shape {codes.shape}: expected [n, {self.codes_per_frame}]")
        if codes.dtype.kind not in "iu":
            raise ValueError(f"codes of type {codes.dtype}: expected integers")
        bad = np.flatnonzero((codes < 0) | (codes >= self.config.num_embeddings))
        if bad.size:
            frame, position = divmod(int(bad[0]), self.codes_per_frame)
            raise ValueError(f"frame {frame}, position {position}: code {codes.flat[bad[0]]} is outside the codebook "
                             f"[0, {self.config.num_embeddings})")
        return codes.astype(np.int32)


def _bucket(n: int) -> int:
    """The smallest power of two >= n."""
    return 1 << (n - 1).bit_length()


def _cast_params(tree: dict, compute) -> dict:
    """Conv kernels and biases in the compute type; GroupNorm parameters and the codebook stay float32."""
    def cast(path, leaf):
        keys = [p.key for p in path]
        keep_f32 = keys[-2].startswith("GroupNorm") or keys[-1] == "embeddings"
        return jnp.asarray(leaf, jnp.float32 if keep_f32 else compute)
    return jax.tree_util.tree_map_with_path(cast, tree)


# Layers. `p` is the parameter subtree of one module; `prec` the lax precision of convs and matmuls.

def _conv(x, p, prec, stride: int = 1, padding: str = "SAME"):
    y = lax.conv_general_dilated(x, p["kernel"], (stride, stride), padding, dimension_numbers=_CONV_DIMS,
                                 precision=prec)
    return y + p["bias"]


def _norm_silu(x, p):
    """SiLU(GroupNorm(x)) with Flax's statistics: float32, biased variance E[x^2] - E[x]^2."""
    n, h, w, c = x.shape
    xf = x.astype(jnp.float32).reshape(n, h * w, GROUPS, c // GROUPS)
    mean = jnp.mean(xf, axis=(1, 3), keepdims=True)
    var = jnp.maximum(jnp.mean(jnp.square(xf), axis=(1, 3), keepdims=True) - jnp.square(mean), 0.0)
    y = ((xf - mean) * lax.rsqrt(var + GROUPNORM_EPS)).reshape(n, h, w, c) * p["scale"] + p["bias"]
    return jax.nn.silu(y).astype(x.dtype)


def _resnet(x, p, prec):
    h = _conv(_norm_silu(x, p["GroupNorm_0"]), p["Conv_0"], prec)
    h = _conv(_norm_silu(h, p["GroupNorm_1"]), p["Conv_1"], prec)
    # Conv_2 exists only where the block changes the width (a 1x1 shortcut, use_conv_shortcut=False).
    shortcut = _conv(x, p["Conv_2"], prec) if "Conv_2" in p else x
    return shortcut + h


def _downsample(x, p, prec):
    x = jnp.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))
    return _conv(x, p["Conv_0"], prec, stride=2, padding="VALID")


def _upsample(x, p, prec):
    # jax.image.resize(..., 'nearest') by exactly 2 maps output i to input i // 2: a repeat.
    x = jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
    return _conv(x, p["Conv_0"], prec)


def _mid(x, p, prec):
    for j in range(MID_BLOCKS):
        x = _resnet(x, p[f"ResnetBlock_{j}"], prec)
    return x


# Whole networks; `config`, `compute` and `prec` are static under jit, `params` is the nested tree.

def _encode_latents(config: VqganConfig, compute, prec, params, frames):
    """Frames [n, 256, 256, C] float32 to quant_conv's output [n, grid, grid, embed_dim] float32."""
    enc = params["encoder"]
    x = _conv(frames.astype(compute), enc["Conv_0"], prec)
    for level in range(config.levels):
        block = enc[f"DownsamplingBlock_{level}"]
        for j in range(config.num_res_blocks):
            x = _resnet(x, block[f"ResnetBlock_{j}"], prec)
        if level < config.levels - 1:
            x = _downsample(x, block["Downsample_0"], prec)
    x = _mid(x, enc["MidBlock_0"], prec)
    x = _conv(_norm_silu(x, enc["GroupNorm_0"]), enc["Conv_1"], prec)
    return _conv(x, params["quant_conv"], prec).astype(jnp.float32)


def _encode_codes(config: VqganConfig, compute, prec, params, frames):
    """Frames to codes [n, grid * grid]: Euclidean argmin over the codebook, exactly as LWM writes it
    (||z||^2 + ||e||^2 - 2 z.e, float32; argmin takes the lowest index among equal distances)."""
    z = _encode_latents(config, compute, prec, params, frames).reshape(-1, config.embed_dim)
    e = params["quantize"]["embeddings"]
    distances = (jnp.sum(jnp.square(z), axis=1, keepdims=True) + jnp.sum(jnp.square(e), axis=1)
                 - 2.0 * jnp.dot(z, e.T, precision=lax.Precision.HIGHEST))
    return jnp.argmin(distances, axis=1).astype(jnp.int32).reshape(frames.shape[0], config.codes_per_frame)


def _decode_pixels(config: VqganConfig, compute, prec, params, codes):
    """Codes [n, grid * grid] to pixels [n, 256, 256, C] float32, clipped to [-1, 1]."""
    g = config.grid
    vectors = params["quantize"]["embeddings"][codes].reshape(codes.shape[0], g, g, config.embed_dim)
    dec = params["decoder"]
    x = _conv(vectors.astype(compute), params["post_quant_conv"], prec)
    x = _conv(x, dec["Conv_0"], prec)
    x = _mid(x, dec["MidBlock_0"], prec)
    last = config.levels - 1
    for level in range(last, -1, -1):
        block = dec[f"UpsamplingBlock_{last - level}"]  # Flax numbered them deepest first
        for j in range(config.num_res_blocks + 1):
            x = _resnet(x, block[f"ResnetBlock_{j}"], prec)
        if level > 0:
            x = _upsample(x, block["Upsample_0"], prec)
    x = _conv(_norm_silu(x, dec["GroupNorm_0"]), dec["Conv_1"], prec)
    return jnp.clip(x.astype(jnp.float32), -1.0, 1.0)


_latents_jit = jax.jit(_encode_latents, static_argnums=(0, 1, 2))
_codes_jit = jax.jit(_encode_codes, static_argnums=(0, 1, 2))
_pixels_jit = jax.jit(_decode_pixels, static_argnums=(0, 1, 2))
