"""Trains the demo's vision-language model on the mix of lm_data.py, in bfloat16 autocast with float32 weights."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import circuit
from lm_net import TRAINED_VISION_IDS, LmConfig, LwmLm


def collate(items: list, batch: list):
    """Right-padded tensors: with causal attention no real token ever sees the padding, so no mask is needed."""
    arrays = [items[i][1].arrays() for i in batch]
    t = max(len(a[0]) for a in arrays)
    out = [np.zeros((len(batch), t), dt) for dt in (np.int64, bool, bool, bool)]
    for r, a in enumerate(arrays):
        for k in range(4):
            out[k][r, :len(a[k])] = a[k]
    return [torch.from_numpy(x) for x in out]


def losses(model: LwmLm, ids, vision, text_target, vision_target, sizes: list | None = None):
    """Mean cross-entropy of the text targets and of the vision targets (None where a batch has none). Vision
    targets are scored among the ids a sequence can hold: the other rows of the vision head are fixed far below
    (circuit.py), so the rest of the softmax is nil. `sizes` collects the residual's bounded norms per layer."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = model.hidden_states(ids, vision, sizes=sizes)
    nxt = ids[:, 1:]
    out = []
    for mask, head, index in ((text_target[:, :-1], model.text_head, None),
                              (vision_target[:, :-1], model.vision_head, VISION_INDEX)):
        if not mask.any():
            out.append(None)
            continue
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = head(h[:, :-1][mask]) if index is None else head(h[:, :-1][mask], TRAINED)
        target = nxt[mask] if index is None else index[nxt[mask]]
        out.append(F.cross_entropy(logits.float(), target))
    return out


TRAINED = torch.tensor(TRAINED_VISION_IDS)
VISION_INDEX = torch.full((8448,), -100, dtype=torch.long)
VISION_INDEX[TRAINED] = torch.arange(len(TRAINED))


BOUND, BOUND_WEIGHT = 3.0, 0.1


def excess(sizes: list) -> torch.Tensor:
    """A penalty on residual norms past BOUND in the bounded (learned) dimensions. Left alone, training grows them
    by thousands, and RMSNorm then shrinks the designed dimensions to nothing: every circuit of circuit.py goes
    blind. The learned features keep their reach through the norms' learned scales instead."""
    return BOUND_WEIGHT * sum(torch.relu(s - BOUND).pow(2).mean() for s in sizes)


def optimizer(model: LwmLm, lr: float) -> torch.optim.AdamW:
    """AdamW with weight decay on the matrices (their fixed parts are buffers, untouched)."""
    decay = [p for p in model.parameters() if p.dim() == 2]
    rest = [p for p in model.parameters() if p.dim() != 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95))


def new_model(config: LmConfig, sp, seed: int) -> LwmLm:
    """A fresh model with circuit.py's parts set."""
    torch.manual_seed(seed)
    model = LwmLm(config)
    circuit.design(model, sp)
    return model


def train(config: LmConfig, sp, items: list, batch_lists: list, seed: int, lr: float = 2e-3, warmup: int = 200,
          log=print) -> LwmLm:
    model = new_model(config, sp, seed)
    opt = optimizer(model, lr)
    steps = len(batch_lists)
    start, tokens = time.time(), 0
    recent = {}  # (kind, text|vision) -> recent losses
    for step, batch in enumerate(batch_lists):
        scale = min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g["lr"] = lr * scale
        ids, vision, tt, vt = collate(items, batch)
        sizes = []
        text_loss, vision_loss = losses(model, ids, vision, tt, vt, sizes)
        loss = sum(x for x in (text_loss, vision_loss) if x is not None) + excess(sizes)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += ids.numel()
        kind = items[batch[0]][0]  # batches hold one kind
        for name, value in (("text", text_loss), ("vision", vision_loss)):
            if value is not None:
                recent.setdefault((kind, name), []).append(value.item())
        recent.setdefault(("residual", "max"), []).append(max(s.max().item() for s in sizes))
        if (step + 1) % 100 == 0 or step == steps - 1:
            elapsed = time.time() - start
            means = " ".join(f"{k}/{n} {np.mean(v[-50:]):.3f}" for (k, n), v in sorted(recent.items()))
            log(f"lm step {step + 1}/{steps} {means} {tokens / elapsed:.0f} tok/s {elapsed:.0f}s")
    return model
