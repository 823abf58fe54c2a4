"""The demo's SentencePiece tokenizer: LLaMA's trainer settings (BPE, byte fallback, split digits, identity
normalizer, dummy prefix; test/scripts/lwmref/tokenizer.py) with a 2048-piece vocabulary trained on the demo corpus."""
from __future__ import annotations

import io
import os
import sys

import numpy as np
import sentencepiece as spm

import chat_corpus
import corpus as C
import world

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "scripts"))
from lwmref.tokenizer import TRAINER_ARGS  # noqa: E402

VOCAB_SIZE = 2048


def corpus_lines(rng) -> list:
    lines = [C.prose(rng, int(rng.integers(4, 12))) for _ in range(1500)]
    lines += [C.world_sentence(rng) for _ in range(3000)]
    lines += [f"{q} {a}" for q, a in chat_corpus.exchanges()] * 3 + chat_corpus.shape_facts()
    for _ in range(3000):
        scene = world.sample_scene(rng, frames=int(rng.choice([1, 4])))
        s = scene.shapes[0]
        single = scene.objects() == 1
        lines += [C.color_question(rng, s.kind, single), C.color_answer(s.color),
                  C.shape_question(rng, True), C.shape_answer(s.kind), C.shapes_answer(scene),
                  C.count_question(rng), C.count_answer(scene.objects()),
                  C.direction_question(rng, s.kind, single), C.direction_answer(s.direction),
                  C.image_prompt(C.caption(rng, scene, False)), C.video_prompt(C.caption(rng, scene, True)),
                  f"{C.SYSTEM} USER: {C.color_question(rng, s.kind, single)}\n<vision></vision> ASSISTANT:"]
    for _ in range(2000):
        city, number = str(rng.choice(C.CITIES)), int(rng.integers(10 ** 6, 10 ** 7))
        lines += [C.needle(city, number), C.needle_question(city), C.needle_answer(city, number),
                  C.needle_prompt("...", C.needle_question(city))]
    return [line for text in lines for line in text.split("\n") if line.strip()]


def train(out_dir: str, seed: int) -> str:
    rng = np.random.default_rng(seed)
    os.makedirs(out_dir, exist_ok=True)
    model = io.BytesIO()
    args = dict(TRAINER_ARGS, vocab_size=VOCAB_SIZE)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus_lines(rng)), model_writer=model, **args)
    path = os.path.join(out_dir, "tokenizer.model")
    with open(path, "wb") as f:
        f.write(model.getvalue())
    return path
