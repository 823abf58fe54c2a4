"""Golden outputs from HF transformers' LlamaForCausalLM (float32, eager attention)."""
from __future__ import annotations

import numpy as np
import torch

from .shapes import Shape

GREEDY_NEW_TOKENS = 64
GREEDY_TARGET_GAP = 1e-2   # preferred minimum top1-top2 margin
GREEDY_REQUIRED_GAP = 1e-3  # hard requirement
GREEDY_MAX_TRIES = 40
GREEDY_MIN_DISTINCT = 16    # preferred: the continuation is not one token repeated
FIRST_ORDINARY_ID = 3       # ids 0..2 = unk/bos/eos never appear in a chosen continuation


def load_hf(model_dir: str):
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return model


def check_loaded(model, sd: dict, shape: Shape) -> None:
    """The model loaded from disk holds exactly the generated tensors and the configured RoPE."""
    loaded = model.state_dict()
    names = [n for n in loaded if "rotary_emb" not in n]
    assert sorted(names) == sorted(sd), (sorted(set(names) ^ set(sd)))
    for n in sd:
        a, b = loaded[n], sd[n]
        assert a.dtype == torch.float32 and a.shape == b.shape and torch.equal(a, b), n
    inv = model.model.rotary_emb.inv_freq
    hd = shape.head_dim
    expect = 1.0 / (shape.theta ** (torch.arange(0, hd, 2, dtype=torch.float) / hd))
    assert torch.equal(inv.float(), expect), (inv, expect)
    assert model.config._attn_implementation == "eager", model.config._attn_implementation
    assert abs(model.model.norm.variance_epsilon - shape.eps) == 0.0


def case_positions(length: int) -> list[int]:
    if length <= 17:
        return list(range(length))
    return sorted(set(range(0, length, 64)) | set(range(length - 8, length)))


@torch.no_grad()
def forward_logits(model, ids: list[int]) -> torch.Tensor:
    out = model(input_ids=torch.tensor([ids], dtype=torch.long), use_cache=False)
    return out.logits[0].float()


def _gap(row: torch.Tensor) -> float:
    top = torch.topk(row, 2).values
    return float(top[0] - top[1])


@torch.no_grad()
def greedy(model, prompt: list[int], n: int = GREEDY_NEW_TOKENS) -> tuple[list[int], float]:
    """Plain greedy decoding with the KV cache (no logits processors), cross-checked by full recompute.

    Returns (generated ids, min over steps of top1-top2 logit gap, over both computations)."""
    out = model(input_ids=torch.tensor([prompt], dtype=torch.long), use_cache=True)
    past, row = out.past_key_values, out.logits[0, -1].float()
    gen, gaps = [], []
    for step in range(n):
        gaps.append(_gap(row))
        tok = int(torch.argmax(row))
        gen.append(tok)
        if step == n - 1:
            break
        out = model(input_ids=torch.tensor([[tok]], dtype=torch.long), past_key_values=past, use_cache=True)
        past, row = out.past_key_values, out.logits[0, -1].float()
    full = forward_logits(model, prompt + gen[:-1])[len(prompt) - 1:]
    assert full.shape[0] == n
    full_argmax = [int(t) for t in torch.argmax(full, dim=-1)]
    if full_argmax != gen:
        return gen, 0.0  # cached and recomputed decoding disagree: unusable prompt
    gaps.extend(_gap(full[i]) for i in range(n))
    return gen, min(gaps)


LONG_GREEDY_NEW_TOKENS = 16


def pick_long_greedy(model, shape: Shape, rng) -> dict:
    """A greedy continuation of a long random prompt (shape.long_greedy_length ids), cross-checked by full
    recompute; the first of a few prompts whose margin clears GREEDY_REQUIRED_GAP and that avoids special ids."""
    for _ in range(4):
        prompt = random_ids(rng, shape.long_greedy_length, shape.vocab)
        gen, gap = greedy(model, prompt, LONG_GREEDY_NEW_TOKENS)
        if gap > GREEDY_REQUIRED_GAP and min(gen) >= FIRST_ORDINARY_ID:
            return {"prompt_ids": prompt, "generated_ids": gen, "min_top2_gap": gap}
    raise RuntimeError(f"{shape.name}: no usable long greedy prompt of {shape.long_greedy_length} tokens")


def pick_greedy(model, shape: Shape, candidates: list[tuple[list[int], str | None]]) -> dict:
    """Tries the candidate prompts in order and keeps the first one whose continuation has a top1-top2 margin
    >= GREEDY_TARGET_GAP, no unk/bos/eos id (so a decoder that stops at EOS generates the same 64 tokens) and at
    least GREEDY_MIN_DISTINCT distinct ids; otherwise the best acceptable one."""
    best, best_key = None, None
    for prompt, text in candidates[:GREEDY_MAX_TRIES]:
        gen, gap = greedy(model, prompt)
        ordinary = min(gen) >= FIRST_ORDINARY_ID
        distinct = len(set(gen))
        key = (ordinary, gap >= GREEDY_TARGET_GAP, distinct >= GREEDY_MIN_DISTINCT, gap)
        if best is None or key > best_key:
            best, best_key = {"prompt_ids": prompt, "prompt_text": text, "generated_ids": gen,
                              "min_top2_gap": gap}, key
        if key[:3] == (True, True, True):
            break
    if best is None or not best_key[0] or best["min_top2_gap"] <= GREEDY_REQUIRED_GAP:
        raise RuntimeError(f"{shape.name}: no usable greedy prompt (gap > {GREEDY_REQUIRED_GAP}, no special ids): {best}")
    # Cross-check with HF's own generate() (greedy, EOS 2 enabled: the chosen continuation never contains it).
    from transformers import GenerationConfig

    gc = GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=GREEDY_NEW_TOKENS,
                          min_new_tokens=GREEDY_NEW_TOKENS, eos_token_id=2, pad_token_id=0)
    with torch.no_grad():
        out = model.generate(torch.tensor([best["prompt_ids"]], dtype=torch.long), generation_config=gc)
    assert out[0, len(best["prompt_ids"]):].tolist() == best["generated_ids"], "generate() disagrees"
    return best


def random_ids(rng: np.random.Generator, n: int, vocab: int) -> list[int]:
    return [int(x) for x in rng.integers(3, vocab, size=n)]
