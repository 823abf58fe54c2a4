"""Trains the LWM demo model end to end and writes it in LWM's formats (seeded; ~80 min on 2 cores).

    target/venv/bin/python demo/train.py [--work target/demo-work] [--out models/lwm-demo] [--scale 1.0]

Steps, each kept in the work directory so that a rerun resumes after the last finished one:
tokenizer (SentencePiece on the demo corpus) → vqgan (fresh scenes every step) → pools (images and clips rendered,
degraded as files are, encoded) → lm (the question, generation, needle and text mix) → export.
`--scale` multiplies every step's amount of data, for quick trials.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import export  # noqa: E402
import lm_data  # noqa: E402
import pools as P  # noqa: E402
import train_lm  # noqa: E402
import train_tokenizer  # noqa: E402
import train_vqgan  # noqa: E402
from lm_net import LmConfig  # noqa: E402
from vqgan_net import VqganNet  # noqa: E402

SEED = 20240214
VQGAN_STEPS = 1400
POOL_IMAGES, POOL_CLIPS = 3000, 1200
GEN_IMAGES, GEN_VIDEOS, NEEDLES, TEXTS = 12000, 1500, 2000, 1500
MODEL = dict(hidden=320, layers=4, heads=5, intermediate=860, theta=1e10, max_sequence_length=8192)
TOKENS_PER_BATCH = 3072


def lm_items(sp, pools, rng, scale: float) -> list:
    n = lambda k: max(1, int(k * scale))  # noqa: E731
    items = lm_data.vision_qa(sp, rng, pools["images"], 2, lm_data.IMAGE_QUESTIONS)
    items += lm_data.vision_qa(sp, rng, pools["clips"], 1, lm_data.CLIP_QUESTIONS)
    items += lm_data.generation(sp, rng, n(GEN_IMAGES), (1,))
    items += lm_data.generation(sp, rng, n(GEN_VIDEOS), (2, 3, 4))
    items += lm_data.needle_samples(sp, rng, n(NEEDLES))
    items += lm_data.text_samples(sp, rng, n(TEXTS))
    return items


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    ap.add_argument("--work", default=os.path.join(root, "target", "demo-work"))
    ap.add_argument("--out", default=os.path.join(root, "models", "lwm-demo"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--until", choices=("tokenizer", "vqgan", "pools", "lm"), help="stop after this step")
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.work, exist_ok=True)
    log_file = open(os.path.join(args.work, "train.log"), "a")
    start = time.time()

    def log(msg: str) -> None:
        line = f"[{time.time() - start:7.1f}s] {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    def scaled(k: int) -> int:
        return max(1, int(k * args.scale))

    tok = os.path.join(args.work, "tokenizer.model")
    if not os.path.exists(tok):
        train_tokenizer.train(args.work, SEED)
        log("tokenizer trained")
    sp = spm.SentencePieceProcessor(model_file=tok)
    if args.until == "tokenizer":
        return 0

    vq_path = os.path.join(args.work, "vqgan.pt")
    net = VqganNet(SEED)
    if os.path.exists(vq_path):
        net.load_state_dict(torch.load(vq_path))
    else:
        net = train_vqgan.train(scaled(VQGAN_STEPS), SEED + 1, log=log)
        torch.save(net.state_dict(), vq_path)
    net.eval()
    if args.until == "vqgan":
        return 0

    pool_path = os.path.join(args.work, "pools")
    if not P.Pools.exists(pool_path):
        P.build(net, pool_path, scaled(POOL_IMAGES), scaled(POOL_CLIPS), SEED + 2, log=log)
    pools = P.Pools(pool_path)
    if args.until == "pools":
        return 0

    config = LmConfig(vocab=sp.vocab_size(), **MODEL)
    lm_path = os.path.join(args.work, "lm.pt")
    model = None
    if os.path.exists(lm_path):
        from lm_net import LwmLm
        model = LwmLm(config)
        model.load_state_dict(torch.load(lm_path))
    else:
        rng = np.random.default_rng(SEED + 3)
        items = lm_items(sp, pools, rng, args.scale)
        batch_lists = lm_data.batches(items, TOKENS_PER_BATCH, rng)
        kinds = {}
        for kind, seq in items:
            kinds[kind] = kinds.get(kind, 0) + len(seq.ids)
        log(f"lm data: {len(items)} sequences, {len(batch_lists)} batches, tokens {kinds}")
        model = train_lm.train(config, sp, items, batch_lists, SEED + 4, log=log)
        torch.save(model.state_dict(), lm_path)
    if args.until == "lm":
        return 0
    export.write(args.out, model, net, tok)
    log(f"exported to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
