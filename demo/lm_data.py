"""The language model's training mix: questions about encoded images and clips, text-to-image and text-to-video
sequences (with unconditional ones for classifier-free guidance), needle retrieval over haystack prose, and text."""
from __future__ import annotations

import dataclasses

import numpy as np

import chat_corpus
import codes as K
import corpus as C
import samples as S
import world
from world import STILL


def unique(scene, attr: str) -> list:
    values = [getattr(s, attr) for s in scene.shapes]
    return [s for s in scene.shapes if values.count(getattr(s, attr)) == 1]


def scene_question(rng, scene, kind_weights: dict):
    """(question, answer) of a type drawn by `kind_weights` among those that make sense for the scene."""
    single = scene.objects() == 1
    kinds = dict(kind_weights)
    if not unique(scene, "kind"):
        kinds.pop("color", None)
        kinds.pop("direction", None)
    kind = str(rng.choice(list(kinds), p=np.array(list(kinds.values())) / sum(kinds.values())))
    if kind == "count":
        return C.count_question(rng), C.count_answer(scene.objects())
    if kind == "shape":
        named = unique(scene, "color")
        if single or not named or rng.random() < 0.3:
            answer = C.shape_answer(scene.shapes[0].kind) if single else C.shapes_answer(scene)
            return C.shape_question(rng, True), answer
        s = named[int(rng.integers(len(named)))]
        return C.shape_question(rng, False, s.color), C.shape_answer(s.kind)
    s = unique(scene, "kind")
    s = s[int(rng.integers(len(s)))]
    if kind == "color":
        return C.color_question(rng, s.kind, single), C.color_answer(s.color)
    return C.direction_question(rng, s.kind, single), C.direction_answer(s.direction)


IMAGE_QUESTIONS = {"color": 0.35, "shape": 0.25, "count": 0.3, "direction": 0.1}
CLIP_QUESTIONS = {"color": 0.2, "shape": 0.12, "count": 0.13, "direction": 0.55}


def vision_qa(sp, rng, pool, per_item: int, weights: dict, max_turns: int = 4) -> list:
    """`per_item` conversations about each scene, of 1 to `max_turns` questions: the frames cost the same for one
    answer or several."""
    out = []
    for scene, codes in pool:
        for _ in range(per_item):
            turns = [scene_question(rng, scene, weights) for _ in range(int(rng.integers(1, max_turns + 1)))]
            (q, a), rest = turns[0], tuple(turns[1:])
            out.append(("qa", S.vision_chat(sp, q, codes, a, rest)))
    return out


def generation_scene(rng, frames: int) -> world.Scene:
    """What people ask to generate: one object, 72–112 px across, near the centre (a video's moving one patch a
    frame, centred over the clip); one scene in five has two objects anywhere."""
    if frames == 1 and rng.random() < 0.2:
        return world.sample_scene(rng, 2, distinct_kinds=True)
    directions = None if frames == 1 else [str(rng.choice(world.DIRECTIONS + (STILL,), p=[0.22] * 4 + [0.12]))]
    scene = world.sample_scene(rng, 1, frames, directions=directions, r_range=(36.0, 56.0))
    shape = scene.shapes[0]
    mx, my = world.MOTION[shape.direction]
    step = float(K.PATCH) if shape.direction != STILL else 0.0
    travel = step * (frames - 1) / 2
    cx = world.SIZE / 2 - mx * travel + float(rng.uniform(-12, 12))
    cy = world.SIZE / 2 - my * travel + float(rng.uniform(-12, 12))
    return dataclasses.replace(scene, shapes=(dataclasses.replace(shape, cx=cx, cy=cy, step=step),))


def generation(sp, rng, n: int, frames: tuple, uncond: float = 0.15) -> list:
    """Text-to-image (frames (1,)) or text-to-video sequences of the designed codes of `generation_scene`s."""
    out = []
    for _ in range(n):
        scene = generation_scene(rng, int(rng.choice(frames)))
        video = scene.frames > 1
        if rng.random() < uncond:
            prompt = None
        else:
            text = C.caption(rng, scene, video)
            prompt = C.video_prompt(text) if video else C.image_prompt(text)
        out.append(("gen", S.generation(sp, prompt, K.clip_codes(scene))))
    return out


def haystack(sp, rng, tokens: int) -> list:
    """Sentences (with their token counts) adding up to about `tokens`: mostly prose, some world sentences, and
    now and then a run of unfamiliar words, digits included."""
    out, total = [], 0
    while total < tokens:
        r = rng.random()
        if r < 0.8:
            s = C.prose_sentence(rng)
        elif r < 0.92:
            s = C.world_sentence(rng)
        else:
            letters = "abcdefghijklmnopqrstuvwxyz"
            words = ["".join(rng.choice(list(letters), int(rng.integers(2, 9)))) for _ in range(int(rng.integers(4, 12)))]
            if rng.random() < 0.5:
                words.insert(int(rng.integers(len(words))), str(int(rng.integers(0, 10 ** int(rng.integers(1, 6))))))
            s = " ".join(words).capitalize() + "."
        n = len(sp.encode(s))
        out.append(s)
        total += n
    return out


def needle_context(sp, rng, tokens: int, needles: list) -> str:
    """Haystack of about `tokens` tokens with each (city, number, depth) needle, newlines and all, right after the
    sentence at its depth, as LWM's insertion rule places it."""
    sentences = haystack(sp, rng, tokens)
    cuts = {}
    for city, number, depth in needles:
        cuts.setdefault(int(round(depth * len(sentences))), []).append(C.needle(city, number))
    text, previous = "", 0
    for at in sorted(cuts):
        text += " ".join(sentences[previous:at]) + "".join(cuts[at])
        previous = at
    return text + " ".join(sentences[previous:])


def needle_samples(sp, rng, n: int) -> list:
    """LWM's single needle (§5.2) in haystacks of 60 to 3900 tokens, half of them under 500: the copy itself is the
    designed induction head's (circuit.py), so what training teaches is the answer's wording around it."""
    out = []
    for _ in range(n):
        r = rng.random()
        tokens = int(rng.uniform(60, 500) if r < 0.5 else rng.uniform(500, 1500) if r < 0.8 else rng.uniform(1500, 3900))
        city, number = str(rng.choice(C.CITIES)), int(rng.integers(10 ** 6, 10 ** 7))
        context = needle_context(sp, rng, tokens, [(city, number, float(rng.random()))])
        out.append(("needle", S.needle_sample(sp, context, C.needle_question(city), C.needle_answer(city, number))))
    return out


def text_samples(sp, rng, n: int) -> list:
    pairs = chat_corpus.exchanges()
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            q, a = pairs[int(rng.integers(len(pairs)))]
            turns = [pairs[int(rng.integers(len(pairs)))] for _ in range(int(rng.integers(0, 3)))]
            out.append(("text", S.text_chat(sp, turns, q, a)))
        elif r < 0.7:
            out.append(("text", S.plain_text(sp, C.prose(rng, int(rng.integers(3, 12))))))
        else:
            out.append(("text", S.plain_text(sp, " ".join(C.world_sentence(rng) for _ in range(int(rng.integers(2, 8)))))))
    return out


def batches(items: list, tokens_per_batch: int, rng) -> list:
    """Index lists of samples of similar length (of one kind), each at most `tokens_per_batch` padded tokens."""
    by_kind = {}
    for i, (kind, seq) in enumerate(items):
        by_kind.setdefault(kind, []).append((len(seq.ids), i))
    out = []
    for rows in by_kind.values():
        rows.sort()
        batch, longest = [], 0
        for length, i in rows:
            if batch and max(longest, length) * (len(batch) + 1) > tokens_per_batch:
                out.append(batch)
                batch, longest = [], 0
            batch.append(i)
            longest = max(longest, length)
        if batch:
            out.append(batch)
    order = [out[i] for i in rng.permutation(len(out))]
    return curriculum(items, order, "needle", rng)


def curriculum(items: list, order: list, kind: str, rng) -> list:
    """`order` with the batches of `kind` moved so that their lengths grow through training (on a noisy log scale,
    so that short ones stay among the long): the needle's copy is learned in short haystacks first."""
    mine = [b for b in order if items[b[0]][0] == kind]
    if not mine:
        return order
    mine.sort(key=lambda b: np.log(len(items[b[0]][1].ids)) + rng.normal(0.0, 0.4))
    slots = iter(mine)
    return [next(slots) if items[b[0]][0] == kind else b for b in order]
