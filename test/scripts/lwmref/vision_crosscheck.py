"""Checks the numpy vision reference against transformers' LlamaModel, which shares none of its code: the Jax tree is
converted to HF's layout (transposed kernels, q/k rows permuted from interleaved to rotate-half RoPE, lwm.md §7.5),
the mixed text/vision embedding is fed as inputs_embeds, and both heads are applied to HF's final hidden states.
Agreement shows the reference's RoPE, attention, norms and MLP are LLaMA's; the vision part is only the embedding
mix and the second head, both a few lines in the reference."""
from __future__ import annotations

import numpy as np
import torch

from . import jaxfmt, weights
from .shapes import Shape
from .vision_reference import LM_HEAD, VISION_HEAD, VisionShape, embed


def _text_shape(shape: VisionShape) -> Shape:
    return Shape(name="vision", layers=shape.layers, hidden=shape.hidden, heads=shape.heads,
                 intermediate=shape.intermediate, vocab=shape.vocab, theta=shape.theta, eps=shape.eps,
                 max_pos=shape.max_sequence_length, seed=shape.seed, chunk_threshold=shape.chunk_threshold,
                 with_tokenizer=True)


def hf_model(params: dict, shape: VisionShape):
    from transformers import LlamaConfig, LlamaForCausalLM

    text_shape = _text_shape(shape)
    config = LlamaConfig.from_dict(weights.hf_config(text_shape, "float32"))
    model = LlamaForCausalLM._from_config(config, attn_implementation="eager", dtype=torch.float32)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in jaxfmt.jax_to_hf(params, text_shape).items()}
    model.load_state_dict(state, strict=True)
    return model.eval()


@torch.no_grad()
def hf_logits(model, params: dict, ids, vision_mask) -> tuple[np.ndarray, np.ndarray]:
    """(text logits, vision logits) of every position, float64, from HF's decoder on LWM's mixed embedding."""
    emb = torch.from_numpy(embed(params, np.asarray(ids), np.asarray(vision_mask, dtype=bool)))
    hidden = model.model(inputs_embeds=emb[None], use_cache=False).last_hidden_state[0].double().numpy()
    return hidden @ params[LM_HEAD].astype(np.float64), hidden @ params[VISION_HEAD].astype(np.float64)
