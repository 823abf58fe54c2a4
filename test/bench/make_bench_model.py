#!/usr/bin/env python3
"""Writes a random, seeded LLaMA model (HF layout: config.json + F32 model.safetensors) for the benchmark.

    usage: make_bench_model.py --size small|large --out DIR

Skipped when DIR already holds a complete model of that size (DIR/.complete). Init: embeddings N(0, 1),
linear weights N(0, 1/sqrt(in_features)), norm weights 1, so activations stay O(1) in F32 and F16.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time

SIZES = {
    # name: (layers, hidden, heads, intermediate, vocab, seed)
    "small": (12, 768, 12, 3072, 32000, 1234),   # ~162M parameters with embeddings and head (~110M class)
    "large": (22, 2048, 32, 5632, 32000, 5678),  # ~1.1B (TinyLlama shape without grouped-query attention)
}
MAX_POSITIONS = 16896
ROPE_THETA = 1e7
RMS_EPS = 1e-6


def config_json(layers, hidden, heads, intermediate, vocab) -> dict:
    from transformers import LlamaConfig

    cfg = LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=intermediate,
                      num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                      hidden_act="silu", max_position_embeddings=MAX_POSITIONS, rms_norm_eps=RMS_EPS,
                      rope_theta=ROPE_THETA, tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
                      bos_token_id=1, eos_token_id=2, dtype="float32", architectures=["LlamaForCausalLM"])
    d = json.loads(cfg.to_json_string())
    d["rope_theta"] = ROPE_THETA  # flat key for readers that predate rope_parameters
    return d


def state_dict(layers, hidden, heads, intermediate, vocab, seed):
    import torch

    g = torch.Generator().manual_seed(seed)

    def normal(rows, cols, std):
        return (torch.randn(rows, cols, generator=g) * std).contiguous()

    sd = {"model.embed_tokens.weight": normal(vocab, hidden, 1.0)}
    for i in range(layers):
        p = f"model.layers.{i}."
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            sd[p + "self_attn." + name + ".weight"] = normal(hidden, hidden, 1 / math.sqrt(hidden))
        sd[p + "mlp.gate_proj.weight"] = normal(intermediate, hidden, 1 / math.sqrt(hidden))
        sd[p + "mlp.up_proj.weight"] = normal(intermediate, hidden, 1 / math.sqrt(hidden))
        sd[p + "mlp.down_proj.weight"] = normal(hidden, intermediate, 1 / math.sqrt(intermediate))
        sd[p + "input_layernorm.weight"] = torch.ones(hidden)
        sd[p + "post_attention_layernorm.weight"] = torch.ones(hidden)
    sd["model.norm.weight"] = torch.ones(hidden)
    sd["lm_head.weight"] = normal(vocab, hidden, 1 / math.sqrt(hidden))
    return sd


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    stamp = os.path.join(out, ".complete")
    if os.path.exists(stamp) and open(stamp).read().strip() == args.size:
        print(f"make_bench_model: {args.size} model present: {out}", file=sys.stderr)
        return 0

    import torch
    from safetensors.torch import save_file

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    t0 = time.perf_counter()
    shape = SIZES[args.size]
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(config_json(*shape[:5]), f, indent=2, sort_keys=True)
    sd = state_dict(*shape)
    params = sum(t.numel() for t in sd.values())
    save_file(sd, os.path.join(tmp, "model.safetensors"), metadata={"format": "pt"})
    del sd
    with open(os.path.join(tmp, ".complete"), "w") as f:
        f.write(args.size + "\n")
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    print(f"make_bench_model: {args.size}: {params / 1e6:.1f}M parameters written to {out} "
          f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
