"""Random bf16-exact LLaMA weights, HF config.json, safetensors and torch .bin checkpoint writers."""
from __future__ import annotations

import json
import math
import os
from collections import OrderedDict

import torch
from safetensors.torch import save_file

from .shapes import Shape


def bf16_exact(t: torch.Tensor) -> torch.Tensor:
    """Round to bfloat16 (round-to-nearest-even) and back to float32."""
    return t.to(torch.bfloat16).to(torch.float32).contiguous()


def make_state_dict(shape: Shape) -> "OrderedDict[str, torch.Tensor]":
    """HF LlamaForCausalLM state dict (float32, every value exactly representable in bf16).

    Scales: embeddings N(0,1); q/k N(0, 1.5/sqrt(in)) (sharper, more position-sensitive attention);
    other linears N(0, 1/sqrt(in)); lm_head N(0, 2/sqrt(H)) (logit spread ~2); RMSNorm weights U(0.9, 1.1).
    """
    g = torch.Generator().manual_seed(shape.seed)
    H, I, V, L = shape.hidden, shape.intermediate, shape.vocab, shape.layers

    def normal(rows, cols, std):
        return bf16_exact(torch.randn(rows, cols, generator=g, dtype=torch.float32) * std)

    def norm_weight(n):
        return bf16_exact(1.0 + 0.1 * (2.0 * torch.rand(n, generator=g, dtype=torch.float32) - 1.0))

    sd: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    sd["model.embed_tokens.weight"] = normal(V, H, 1.0)
    for i in range(L):
        p = f"model.layers.{i}."
        sd[p + "self_attn.q_proj.weight"] = normal(H, H, 1.5 / math.sqrt(H))
        sd[p + "self_attn.k_proj.weight"] = normal(H, H, 1.5 / math.sqrt(H))
        sd[p + "self_attn.v_proj.weight"] = normal(H, H, 1.0 / math.sqrt(H))
        sd[p + "self_attn.o_proj.weight"] = normal(H, H, 1.0 / math.sqrt(H))
        sd[p + "mlp.gate_proj.weight"] = normal(I, H, 1.0 / math.sqrt(H))
        sd[p + "mlp.up_proj.weight"] = normal(I, H, 1.0 / math.sqrt(H))
        sd[p + "mlp.down_proj.weight"] = normal(H, I, 1.0 / math.sqrt(I))
        sd[p + "input_layernorm.weight"] = norm_weight(H)
        sd[p + "post_attention_layernorm.weight"] = norm_weight(H)
    sd["model.norm.weight"] = norm_weight(H)
    sd["lm_head.weight"] = normal(V, H, 2.0 / math.sqrt(H))
    return sd


def hf_config(shape: Shape, dtype: str) -> dict:
    """config.json content: LlamaConfig.to_json plus legacy top-level rope_theta / torch_dtype keys."""
    from transformers import LlamaConfig

    cfg = LlamaConfig(
        vocab_size=shape.vocab,
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.heads,
        head_dim=shape.head_dim,
        hidden_act="silu",
        max_position_embeddings=shape.max_pos,
        rms_norm_eps=shape.eps,
        rope_theta=shape.theta,
        tie_word_embeddings=False,
        attention_bias=False,
        mlp_bias=False,
        bos_token_id=1,
        eos_token_id=2,
        dtype=dtype,
        architectures=["LlamaForCausalLM"],
    )
    d = json.loads(cfg.to_json_string())  # what save_pretrained writes
    # transformers 5 nests theta in rope_parameters; older readers (and the Java loader) use the flat key.
    assert d["rope_parameters"]["rope_theta"] == shape.theta, d
    d["rope_theta"] = shape.theta
    d["torch_dtype"] = dtype
    d["dtype"] = dtype
    for k, v in (("hidden_size", shape.hidden), ("intermediate_size", shape.intermediate),
                 ("num_hidden_layers", shape.layers), ("num_attention_heads", shape.heads),
                 ("num_key_value_heads", shape.heads), ("vocab_size", shape.vocab),
                 ("rms_norm_eps", shape.eps), ("max_position_embeddings", shape.max_pos),
                 ("tie_word_embeddings", False), ("head_dim", shape.head_dim)):
        assert d.get(k) == v, (k, d.get(k), v)
    return dict(sorted(d.items()))


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.chmod(path, 0o644)


def shard_names(sd, shape: Shape, n_shards: int) -> list[list[str]]:
    """Splits the tensor names into n_shards groups by layer (embeddings first, norm/head last)."""
    if n_shards == 1:
        return [list(sd)]
    assert n_shards == 2
    half = shape.layers // 2
    first = [k for k in sd if k.startswith("model.embed_tokens.")
             or (k.startswith("model.layers.") and int(k.split(".")[2]) < half)]
    second = [k for k in sd if k not in set(first)]
    return [first, second]


def _index(sd, groups, file_names, dtype_size) -> dict:
    weight_map = {}
    for names, fname in zip(groups, file_names):
        for n in names:
            weight_map[n] = fname
    total = sum(sd[n].numel() for n in sd) * dtype_size
    return {"metadata": {"total_size": total, "total_parameters": sum(sd[n].numel() for n in sd)},
            "weight_map": dict(sorted(weight_map.items()))}


def write_safetensors_dir(out_dir: str, sd, shape: Shape, dtype: torch.dtype, n_shards: int) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    dtype_name = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}[dtype]
    write_json(os.path.join(out_dir, "config.json"), hf_config(shape, dtype_name))
    groups = shard_names(sd, shape, n_shards)
    if n_shards == 1:
        files = ["model.safetensors"]
    else:
        files = [f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors" for i in range(n_shards)]
    for names, fname in zip(groups, files):
        tensors = {n: sd[n].to(dtype).contiguous() for n in names}
        save_file(tensors, os.path.join(out_dir, fname), metadata={"format": "pt"})
        os.chmod(os.path.join(out_dir, fname), 0o644)  # safetensors creates 0600 files
    if n_shards > 1:
        write_json(os.path.join(out_dir, "model.safetensors.index.json"),
                   _index(sd, groups, files, torch.empty(0, dtype=dtype).element_size()))
    return files


def write_bin_dir(out_dir: str, sd, shape: Shape, n_shards: int) -> list[str]:
    """torch.save(state_dict) in the ordinary zip format, F32; each tensor owns its storage."""
    os.makedirs(out_dir, exist_ok=True)
    write_json(os.path.join(out_dir, "config.json"), hf_config(shape, "float32"))
    groups = shard_names(sd, shape, n_shards)
    if n_shards == 1:
        files = ["pytorch_model.bin"]
    else:
        files = [f"pytorch_model-{i + 1:05d}-of-{n_shards:05d}.bin" for i in range(n_shards)]
    for names, fname in zip(groups, files):
        part = OrderedDict((n, sd[n].clone().contiguous()) for n in names)
        torch.save(part, os.path.join(out_dir, fname))
    if n_shards > 1:
        write_json(os.path.join(out_dir, "pytorch_model.bin.index.json"), _index(sd, groups, files, 4))
    return files
