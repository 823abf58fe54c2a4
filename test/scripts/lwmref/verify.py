"""Reloads every written checkpoint format and compares it with the generated F32 tensors."""
from __future__ import annotations

import json
import os

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from . import jaxfmt
from .shapes import Shape


def _load_safetensors_dir(d: str) -> dict:
    index = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    out = {}
    for fn in files:
        path = os.path.join(d, fn)
        with safe_open(path, framework="pt") as f:
            assert f.metadata() == {"format": "pt"}, f.metadata()
        part = load_file(path)
        assert not (set(part) & set(out))
        out.update(part)
    if os.path.exists(index):
        with open(index) as f:
            wm = json.load(f)["weight_map"]
        assert set(wm) == set(out)
    return out


def _load_bin_dir(d: str) -> dict:
    index = os.path.join(d, "pytorch_model.bin.index.json")
    if os.path.exists(index):
        with open(index) as f:
            wm = json.load(f)["weight_map"]
        files = sorted(set(wm.values()))
    else:
        wm, files = None, ["pytorch_model.bin"]
    out = {}
    for fn in files:
        part = torch.load(os.path.join(d, fn), weights_only=True, map_location="cpu")
        assert not (set(part) & set(out))
        if wm is not None:
            assert all(wm[k] == fn for k in part)
        out.update(part)
    return out


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def verify_shape(shape: Shape, mdir: str, sd: dict) -> dict:
    """Returns {format: description}; raises AssertionError on any mismatch."""
    report = {}
    names = sorted(sd)

    f32 = _load_safetensors_dir(os.path.join(mdir, "hf-f32"))
    assert sorted(f32) == names
    assert all(_same(f32[n], sd[n]) for n in names), "hf-f32 mismatch"
    report["hf-f32"] = "bit-exact"

    bf16 = _load_safetensors_dir(os.path.join(mdir, "hf-bf16"))
    assert sorted(bf16) == names
    assert all(bf16[n].dtype == torch.bfloat16 and _same(bf16[n].float(), sd[n]) for n in names), "hf-bf16 mismatch"
    report["hf-bf16"] = "bit-exact after bf16->f32"

    f16 = _load_safetensors_dir(os.path.join(mdir, "hf-f16"))
    assert sorted(f16) == names
    assert all(_same(f16[n], sd[n].to(torch.float16)) for n in names), "hf-f16 mismatch"
    worst = max(float((f16[n].float() - sd[n]).abs().max()) for n in names)
    report["hf-f16"] = f"== f32.to(f16); max |f16-f32| = {worst:.3g}"

    b = _load_bin_dir(os.path.join(mdir, "bin"))
    assert sorted(b) == names
    assert all(_same(b[n], sd[n]) for n in names), "bin mismatch"
    report["bin"] = "bit-exact"

    params, chunks = jaxfmt.read_params(os.path.join(mdir, "jax", "params"))
    back = jaxfmt.jax_to_hf(params, shape)
    assert sorted(back) == names
    for n in names:
        a = torch.from_numpy(np.ascontiguousarray(back[n]))
        assert _same(a, sd[n]), f"jax mismatch: {n}"
    for must in ("transformer/wte/embedding", "lm_head/kernel", "transformer/h/scan_decoder/feed_forward/w1/kernel"):
        assert chunks[must] >= 2, (must, chunks[must])
    assert any(n == 0 for n in chunks.values())
    report["jax"] = "bit-exact after de-chunk + bf16->f32 + un-permute/transpose"
    return report
