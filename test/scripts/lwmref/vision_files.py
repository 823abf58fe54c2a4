"""Checkpoint files of the tiny vision model: LWM's Jax streaming `params` and `params.safetensors` holding the same
flattened tree, plus the read-back checks that every file holds exactly the generated values."""
from __future__ import annotations

import os

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from . import jaxfmt
from .vision_reference import SCAN, VisionShape

SAFETENSORS_NAME = "params.safetensors"
# Header metadata naming the layout: Jax key names and conventions, not an HF state dict.
SAFETENSORS_METADATA = {"layout": "lwm-jax-params"}


def key_name(key: tuple) -> str:
    return "/".join(key)


def lwm_config(shape: VisionShape) -> dict:
    """lwm_config.json: what the params file does not record (test/FIXTURES.md "Jax checkpoint")."""
    return {"num_attention_heads": shape.heads, "rope_theta": shape.theta,
            "max_sequence_length": shape.max_sequence_length, "rms_norm_eps": shape.eps}


def write_params(path: str, params: dict, shape: VisionShape) -> dict:
    """The streaming msgpack file, bf16, records in sorted key order; returns {key: chunk count}."""
    return jaxfmt.write_params(path, sorted(params.items()), shape.chunk_threshold)


def unstacked(params: dict) -> dict:
    """The scan_layers=False form of the tree: transformer/h/<i>/... per layer instead of stacked on axis 0."""
    out = {}
    for key, value in params.items():
        if key[:3] == SCAN:
            for i in range(value.shape[0]):
                out[("transformer", "h", str(i)) + key[3:]] = np.ascontiguousarray(value[i])
        else:
            out[key] = value
    return out


def write_safetensors(path: str, params: dict) -> None:
    """The tree as BF16 tensors named by their '/'-joined Jax keys, kernels (in, out), q/k interleaved."""
    tensors = {key_name(k): torch.from_numpy(np.ascontiguousarray(v)).to(torch.bfloat16) for k, v in params.items()}
    save_file(tensors, path, metadata=SAFETENSORS_METADATA)
    os.chmod(path, 0o644)


def check_params(path: str, params: dict) -> dict:
    """Reads the streaming file back (independent reader) and compares bit-exactly; returns {key: chunk count}."""
    back, chunks = jaxfmt.read_params(path)
    assert sorted(back) == sorted(params), sorted(set(back) ^ set(params))
    for key, value in params.items():
        assert back[key].shape == value.shape and np.array_equal(back[key], value), key
    return chunks


def check_safetensors(path: str, params: dict) -> None:
    with safe_open(path, framework="pt") as f:
        assert f.metadata() == SAFETENSORS_METADATA, f.metadata()
    back = load_file(path)
    assert sorted(back) == sorted(key_name(k) for k in params), sorted(back)
    for key, value in params.items():
        tensor = back[key_name(key)]
        assert tensor.dtype == torch.bfloat16 and np.array_equal(tensor.float().numpy(), value), key
