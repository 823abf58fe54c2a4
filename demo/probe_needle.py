"""Probe for the demo model's next training run (not part of demo/train.py): how fast the demo LM's architecture
learns LWM's needle copy on 2 cores, under a curriculum set by environment variables.

    MINUTES=20 START=50 HOLD=0.4 GROW=0.9 SHORT_FRAC=0.4 MAX_NEEDLES=2 target/venv/bin/python demo/probe_needle.py
    target/venv/bin/python demo/probe_needle.py --eval target/needle_probe.pt

Trains a fresh LM (train.MODEL, the demo tokenizer) on needle samples only: haystacks of at most START tokens for
the first HOLD of the time, growing to 3900 tokens by GROW, a SHORT_FRAC share of batches kept short throughout;
1 to MAX_NEEDLES needles per context, each asked in turn. Exact match is measured teacher-forced (greedy decoding
gives the answer iff every answer token is the argmax after the right prefix) on the bundled haystack; --eval
also reports answer-token and digit accuracy per length. Figures: models/lwm-demo/MODEL_CARD.md.
"""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np
import sentencepiece as spm
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import corpus as C  # noqa: E402
import haystack as H  # noqa: E402
import lm_data  # noqa: E402
import samples as S  # noqa: E402
import train  # noqa: E402
from lm_net import LmConfig, LwmLm  # noqa: E402
from train_lm import collate, losses  # noqa: E402

MINUTES = float(os.environ.get("MINUTES", "20"))
LR = float(os.environ.get("LR", "2e-3"))
START = float(os.environ.get("START", "300"))  # longest haystack at the start (tokens)
HOLD = float(os.environ.get("HOLD", "0"))  # fraction of the time spent at START before growing
GROW = float(os.environ.get("GROW", "0.7"))  # fraction of the time by which haystacks reach 4000 tokens
SHORT_FRAC = float(os.environ.get("SHORT_FRAC", "0"))
MAX_NEEDLES = int(os.environ.get("MAX_NEEDLES", "4"))
torch.set_num_threads(2)
sp = spm.SentencePieceProcessor(model_file=os.path.join(ROOT, "models", "lwm-demo", "tokenizer.model"))


def sample(rng, lo, hi):
    tokens = int(rng.uniform(lo, hi))
    count = int(rng.integers(1, MAX_NEEDLES + 1))
    cities = list(rng.choice(C.CITIES, count, replace=False))
    needles = [(str(c), int(rng.integers(10 ** 6, 10 ** 7)), float(rng.random())) for c in cities]
    context = lm_data.needle_context(sp, rng, tokens, needles)
    order = rng.permutation(count)
    city, number, _ = needles[order[0]]
    s = S.needle_sample(sp, context, C.needle_question(city), C.needle_answer(city, number))
    for k in order[1:]:
        city, number, _ = needles[k]
        s.text(f"USER: {C.needle_question(city)} ASSISTANT: ").text(C.needle_answer(city, number), loss=True).eos()
    return ("needle", s)


def score(model, prompt, answer):
    """(exact, answer tokens right, answer tokens, digits right, digits), teacher-forced."""
    s = prompt.text(answer, loss=True).eos()
    ids, vision, tt, _ = [torch.from_numpy(np.asarray(a))[None] for a in s.arrays()]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        h = model.hidden_states(ids.long(), vision)
        predicted = model.lm_head(h[0, :-1][tt[0, :-1]]).float().argmax(-1)
    gold = ids[0, 1:][tt[0, :-1]]
    ok = predicted == gold
    digit = torch.tensor([sp.id_to_piece(int(g)).strip("\u2581").isdigit() for g in gold])
    return bool(ok.all()), int(ok.sum()), len(ok), int(ok[digit].sum()), int(digit.sum())


def evaluate(model, lengths, rounds=1, depths=(0.0, 0.25, 0.5, 0.75, 1.0), seed=1002):
    """Sums of score() over the bundled haystack at each length × depth × round."""
    text = H.bundled()
    rng = np.random.default_rng(seed)
    total = np.zeros(5, np.int64)
    for _, _, _, city, number, context in H.needle_cases(sp, text, lengths, depths, rounds, rng):
        total += score(model, S.needle_sample(sp, context, C.needle_question(city), None), C.needle_answer(city, number))
    return total


def report(model):
    for length in (60, 250, 500, 1000, 2000, 4000):
        exact, right, n, digits_right, digits = evaluate(model, (length,), 2, seed=5)
        print(f"{length:5d} tokens: exact {exact}/10, answer tokens {right}/{n}, digits {digits_right}/{digits}",
              flush=True)


def main():
    rng = np.random.default_rng(7)
    config = LmConfig(vocab=sp.vocab_size(), **train.MODEL)
    torch.manual_seed(8)
    model = LwmLm(config)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    rest = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.95))
    start = time.time()
    budget = MINUTES * 60
    step, recent, next_eval = 0, [], 0.25
    while True:
        frac = (time.time() - start) / budget
        if frac >= 1:
            break
        # curriculum: haystacks of up to 300 tokens, growing to 4000 by 70 % of the time
        grow = max(0.0, frac - HOLD) / (GROW - HOLD)
        hi = START + (3900 - START) * min(1.0, grow)
        short = rng.random() < SHORT_FRAC  # a batch of short haystacks keeps the copy learned at START
        lo, top = (5, START) if short else (5 if rng.random() < 0.5 else max(5, hi / 3), hi)
        items = []
        budget_tokens = 0
        while budget_tokens < 3072:
            it = sample(rng, lo, max(lo + 1, rng.uniform(lo, top)))
            if items and (len(items) + 1) * max(len(x[1].ids) for x in items + [it]) > 3072:
                break
            items.append(it)
            budget_tokens = len(items) * max(len(x[1].ids) for x in items)
        lr_scale = min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = LR * lr_scale
        ids, vision, tt, vt = collate(items, list(range(len(items))))
        loss, _ = losses(model, ids, vision, tt, vt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        recent.append(loss.item())
        step += 1
        if step % 50 == 0:
            print(f"[{time.time() - start:6.0f}s] step {step} max_len {hi:.0f} batch {len(items)} loss {np.mean(recent[-50:]):.3f}",
                  flush=True)
        if frac >= next_eval:
            model.eval()
            print(f"  eval @ {frac:.2f}: exact at 500 tokens {evaluate(model, (500,), 2)[0]}/10, at 1K-4K "
                  f"{evaluate(model, (1000, 2000, 3000, 4000))[0]}/20", flush=True)
            model.train()
            next_eval += 0.25
    model.eval()
    torch.save(model.state_dict(), os.path.join(ROOT, "target", "needle_probe.pt"))
    report(model)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--eval":
        trained = LwmLm(LmConfig(vocab=sp.vocab_size(), **train.MODEL))
        trained.load_state_dict(torch.load(sys.argv[2]))
        report(trained.eval())
    else:
        main()
