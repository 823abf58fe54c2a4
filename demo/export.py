"""Writes the demo model directory in LWM's formats: the Jax streaming `params` (bfloat16, scan layout), the `vqgan`
pickle of the Flax tree (float32 numpy arrays), `tokenizer.model` and `lwm_config.json`."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "scripts"))
from lwmref import jaxfmt  # noqa: E402
from lwmref import vqgan as V  # noqa: E402
from lwmref.vision_reference import VisionShape, bf16_exact  # noqa: E402

import haystack  # noqa: E402
import vqgan_net  # noqa: E402


def vqgan_config() -> V.VqganConfig:
    return V.VqganConfig("demo", hidden=vqgan_net.HIDDEN, mult=vqgan_net.MULT, num_res_blocks=vqgan_net.NUM_RES,
                         z_channels=vqgan_net.Z, num_embeddings=vqgan_net.CODEBOOK_ROWS, embed_dim=vqgan_net.EMBED)


def lm_params(model) -> dict:
    """The language model's tree rounded to bfloat16, the dtype LWM's checkpointer stores."""
    return {k: bf16_exact(v) for k, v in model.flax_params().items()}


def write(out_dir: str, model, vqgan, tokenizer_path: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    params = lm_params(model)
    jaxfmt.write_params(os.path.join(out_dir, "params"), sorted(params.items()), jaxfmt.FLAX_MAX_CHUNK_SIZE)
    with open(os.path.join(out_dir, "vqgan"), "wb") as f:
        pickle.dump(V.to_tree(vqgan.flax_params()), f)
    shutil.copyfile(tokenizer_path, os.path.join(out_dir, "tokenizer.model"))
    with open(os.path.join(out_dir, haystack.FILE), "w", encoding="utf-8") as f:
        f.write(haystack.generate())
    c = model.c
    with open(os.path.join(out_dir, "lwm_config.json"), "w") as f:
        json.dump({"num_attention_heads": c.heads, "rope_theta": c.theta,
                   "max_sequence_length": c.max_sequence_length, "rms_norm_eps": c.eps}, f, indent=1)
        f.write("\n")


def load(model_dir: str):
    """(LM params {key: float32}, VisionShape, reference Vqgan) read back with the independent readers."""
    params, _ = jaxfmt.read_params(os.path.join(model_dir, "params"))
    with open(os.path.join(model_dir, "lwm_config.json")) as f:
        cfg = json.load(f)
    vocab = params[("transformer", "wte", "embedding")].shape[0]
    layers, hidden, inter = params[("transformer", "h", "scan_decoder", "feed_forward", "w1", "kernel")].shape
    shape = VisionShape(layers=layers, hidden=hidden, heads=cfg["num_attention_heads"], intermediate=inter,
                        vocab=vocab, theta=cfg["rope_theta"], eps=cfg["rms_norm_eps"],
                        max_sequence_length=cfg["max_sequence_length"])
    with open(os.path.join(model_dir, "vqgan"), "rb") as f:
        tree = pickle.load(f)  # the project's own file, written above
    vq = V.Vqgan(vqgan_config(), V.flatten(tree))
    return params, shape, vq
