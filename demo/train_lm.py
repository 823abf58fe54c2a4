"""Trains the demo's vision-language model on the mix of lm_data.py, in bfloat16 autocast with float32 weights."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from lm_net import LmConfig, LwmLm


def collate(items: list, batch: list):
    """Right-padded tensors: with causal attention no real token ever sees the padding, so no mask is needed."""
    arrays = [items[i][1].arrays() for i in batch]
    t = max(len(a[0]) for a in arrays)
    out = [np.zeros((len(batch), t), dt) for dt in (np.int64, bool, bool, bool)]
    for r, a in enumerate(arrays):
        for k in range(4):
            out[k][r, :len(a[k])] = a[k]
    return [torch.from_numpy(x) for x in out]


def losses(model: LwmLm, ids, vision, text_target, vision_target):
    """Mean cross-entropy of the text targets and of the vision targets (None where a batch has none)."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = model.hidden_states(ids, vision)
    nxt = ids[:, 1:]
    out = []
    for mask, head in ((text_target[:, :-1], model.lm_head), (vision_target[:, :-1], model.vision_head)):
        if not mask.any():
            out.append(None)
            continue
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = head(h[:, :-1][mask])
        out.append(F.cross_entropy(logits.float(), nxt[mask]))
    return out


def train(config: LmConfig, items: list, batch_lists: list, seed: int, lr: float = 2e-3, warmup: int = 200,
          log=print) -> LwmLm:
    torch.manual_seed(seed)
    model = LwmLm(config)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    rest = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.95))
    steps = len(batch_lists)
    start, tokens = time.time(), 0
    recent = {}  # (kind, text|vision) -> recent losses
    for step, batch in enumerate(batch_lists):
        scale = min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g["lr"] = lr * scale
        ids, vision, tt, vt = collate(items, batch)
        text_loss, vision_loss = losses(model, ids, vision, tt, vt)
        loss = sum(x for x in (text_loss, vision_loss) if x is not None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += ids.numel()
        kind = items[batch[0]][0]  # batches hold one kind
        for name, value in (("text", text_loss), ("vision", vision_loss)):
            if value is not None:
                recent.setdefault((kind, name), []).append(value.item())
        if (step + 1) % 100 == 0 or step == steps - 1:
            elapsed = time.time() - start
            means = " ".join(f"{k}/{n} {np.mean(v[-50:]):.3f}" for (k, n), v in sorted(recent.items()))
            log(f"lm step {step + 1}/{steps} {means} {tokens / elapsed:.0f} tok/s {elapsed:.0f}s")
    return model
