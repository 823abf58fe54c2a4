"""Measures the exported demo model, read back from its files by the independent reference implementations in
test/scripts/lwmref (numpy LM from the spec, PyTorch VQGAN from the spec), on held-out data:

* questions (colour, shape, count, direction) about images and 2–8 frame clips drawn by the training renderer with a
  held-out seed and by the independent renderer (eval_render.py), greedy answers, scored by the words they contain;
* needle retrieval in the bundled haystack at 1K–4K tokens and 5 depths;
* text-to-image and text-to-video with LWM's classifier-free guidance and sampling defaults (reference/lwm.md §4),
  judged by classify.py.

    target/venv/bin/python demo/evaluate.py [--model models/lwm-demo] [--n 40] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import augment  # noqa: E402
import classify  # noqa: E402
import codes  # noqa: E402
import corpus as C  # noqa: E402
import eval_render as R  # noqa: E402
import export  # noqa: E402
import haystack as H  # noqa: E402
import samples as S  # noqa: E402
import world  # noqa: E402
from lmref import Lm  # noqa: E402

NUMBERS = {"one": 1, "two": 2, "three": 3, "1": 1, "2": 2, "3": 3}


def mentions(answer: str, words) -> list:
    text = answer.lower()
    return [w for w in words if re.search(rf"\b{w}\b", text)]


def score(kind: str, answer: str, expected) -> bool:
    if kind == "color":
        return mentions(answer, world.COLORS) == [expected]
    if kind == "shape":
        return mentions(answer, world.SHAPES) == [expected]
    if kind == "count":
        found = [NUMBERS[w] for w in re.findall(r"\b(one|two|three|1|2|3)\b", answer.lower())]
        return bool(found) and all(n == expected for n in found)
    if expected == world.STILL:
        return "not move" in answer.lower()
    return mentions(answer, world.DIRECTIONS) == [expected]


# ---------------------------------------------------------------- scenes to ask about

def world_case(rng, kind: str, clip: bool):
    frames = int(rng.integers(2, 9)) if clip else 1
    objects = int(rng.integers(1, 4))
    scene = world.sample_scene(rng, objects, frames, distinct_kinds=True)
    target = scene.shapes[int(rng.integers(objects))]
    pixels = world.render_clip(scene)
    return pixels, objects, target.kind, target.color, target.direction


def independent_case(rng, kind: str, clip: bool):
    frames = int(rng.integers(2, 9)) if clip else 1
    objects = int(rng.integers(1, 4))
    items, background, scale = R.scene(rng, objects, frames)
    target = items[int(rng.integers(objects))]
    return R.clip(items, background, frames, scale), objects, target.kind, target.color, target.direction


def question(rng, kind, objects, shape, color, direction):
    single = objects == 1
    if kind == "color":
        return C.color_question(rng, shape, single), color
    if kind == "shape":
        return C.shape_question(rng, True), shape
    if kind == "count":
        return C.count_question(rng), objects
    return C.direction_question(rng, shape, single), direction


class FastEncoder:
    """The exported VQGAN's encoder through vqgan_net's fast path (the fixed 256²/128² front end computed as what it
    is: ~30× faster than the reference at full resolution), checked code for code against the reference."""

    def __init__(self, vq, model_dir: str, log):
        import pickle
        from lwmref import vqgan as V
        from vqgan_net import VqganNet
        with open(os.path.join(model_dir, "vqgan"), "rb") as f:
            self.net = VqganNet.from_flax(V.flatten(pickle.load(f)))
        rng = np.random.default_rng(999)
        probe = np.stack([world.render(world.sample_scene(rng)) for _ in range(4)])
        if not np.array_equal(self.encode(augment.to_model(probe)), vq.encode(augment.to_model(probe))):
            raise SystemExit("the fast encoder disagrees with the reference VQGAN on the probe scenes")
        log("fast encoder: the same codes as the reference VQGAN on 4 probe scenes")

    @torch.no_grad()
    def encode(self, frames: np.ndarray) -> np.ndarray:
        """(N, 256, 256, 3) in [-1, 1] -> (N, 16, 16) codes."""
        x = torch.from_numpy(np.ascontiguousarray(frames, np.float32)).permute(0, 3, 1, 2).contiguous()
        return self.net.quantize(self.net.encode_latents(x, exact=False))[1].numpy().astype(np.int32)


def file_like(rng, pixels: np.ndarray) -> np.ndarray:
    """Images stay lossless (PNG); clip frames go through JPEG at quality 80 as a stand-in for H.264."""
    if len(pixels) == 1:
        return pixels
    return np.stack([augment.jpeg(f, 80) for f in pixels])


def eval_questions(lm, encoder, sp, n: int, seed: int, log) -> dict:
    rng = np.random.default_rng(seed)
    table = {}
    cases = [("images", False, k) for k in ("color", "shape", "count")] + \
            [("clips", True, k) for k in ("color", "shape", "count", "direction")]
    for source, make in (("world (held-out)", world_case), ("independent renderer", independent_case)):
        for media, clip, kind in cases:
            right, examples = 0, []
            for i in range(n):
                pixels, objects, shape, color, direction = make(rng, kind, clip)
                if kind == "shape" and objects > 1:
                    # "What shape is it?" is asked of one-object scenes.
                    pixels, objects, shape, color, direction = make_single(make, rng, clip)
                q, expected = question(rng, kind, objects, shape, color, direction)
                codes = encoder.encode(augment.to_model(file_like(rng, pixels))).reshape(len(pixels), -1)
                answer = lm.answer(S.vision_chat(sp, q, codes, None))
                ok = score(kind, answer, expected)
                right += ok
                if not ok and len(examples) < 3:
                    examples.append(f"{q} -> {answer!r} (expected {expected})")
            table[(source, media, kind)] = (right, n, examples)
            log(f"{source:22s} {media:6s} {kind:9s} {right}/{n}  {'; '.join(examples[:2])}")
    return table


def make_single(make, rng, clip):
    while True:
        case = make(rng, "shape", clip)
        if case[1] == 1:
            return case


# ---------------------------------------------------------------- VQGAN

def eval_codes(encoder, n: int, seed: int, log) -> dict:
    """How often the encoder gives a patch its designed code (codes.py), on frames drawn by the training renderer
    (held-out seed) and by the independent one, clip frames through JPEG: background patches found as such; object
    patches found, and each block of their code right."""
    rng = np.random.default_rng(seed)
    out = {}
    for source in ("world (held-out)", "independent renderer"):
        tally = {}
        for i in range(n):
            clip = i % 2 == 1
            frames = int(rng.integers(2, 9)) if clip else 1
            if source.startswith("world"):
                scene = world.sample_scene(rng, int(rng.integers(1, 4)), frames, distinct_kinds=True)
                frame = int(rng.integers(frames))
                maps = world.coverage_maps(scene, frame)
                pixels, designed = world.composite(scene, maps), codes.frame_codes(scene, frame, maps)
            else:
                items, background, scale = R.scene(rng, int(rng.integers(1, 4)), frames)
                frame = int(rng.integers(frames))
                pixels = R.draw(items, background, frame, scale)
                designed = codes.codes_from_coverage(R.coverage_maps(items, frame, scale), items, background)
            if clip:
                pixels = augment.jpeg(pixels, 80)
            got = encoder.encode(augment.to_model(pixels[None])).reshape(-1)
            for g, d in zip(got, designed):
                is_object, found = d >= codes.BACKGROUND_CODES, g >= codes.BACKGROUND_CODES
                if not is_object:
                    tally.setdefault("background", []).append(not found)
                    continue
                tally.setdefault("object", []).append(found)
                if found:
                    want, have = codes.blocks_of(int(d)), codes.blocks_of(int(g))
                    for block in codes.OBJECT_BLOCKS:
                        tally.setdefault(block, []).append(want[block] == have[block])
        out[source] = {k: float(np.mean(v)) for k, v in tally.items()}
        log(f"codes {source:22s} " + " ".join(f"{k} {v:.1%}" for k, v in out[source].items()))
    return out


def eval_vqgan(vq, encoder, n: int, seed: int, log) -> dict:
    """Round trips through the exported VQGAN: PSNR, and how often the judge reads the decoded scene's colour and
    shape as it reads the original's (an upper bound for generation, which goes through the same decoder)."""
    rng = np.random.default_rng(seed)
    out = {}
    for source in ("world (held-out)", "independent renderer"):
        psnr, same = [], 0
        for _ in range(n):
            if source.startswith("world"):
                pixels = world.render_clip(world.sample_scene(rng, 1))
            else:
                items, background, scale = R.scene(rng, 1, 1)
                pixels = R.clip(items, background, 1, scale)
            decoded = world_image(vq, encoder.encode(augment.to_model(pixels)).reshape(1, -1))
            mse = np.mean((decoded[0].astype(np.float64) - pixels[0]) ** 2)
            psnr.append(10 * np.log10(255.0 ** 2 / max(mse, 1e-9)))
            a, b = classify.judge(pixels[0]), classify.judge(decoded[0])
            same += a["color"] == b["color"] and a["shape"] == b["shape"]
        out[source] = {"psnr_db": float(np.median(psnr)), "judged_same": same, "n": n}
        log(f"vqgan {source:22s} median PSNR {np.median(psnr):.1f} dB, judged the same {same}/{n}")
    return out


# ---------------------------------------------------------------- needles

def eval_needles(lm, sp, model_dir, lengths, depths, rounds: int, seed: int, log) -> dict:
    rng = np.random.default_rng(seed)
    text = H.bundled(model_dir)
    results = {}
    for length, depth, r, city, number, context in H.needle_cases(sp, text, lengths, depths, rounds, rng):
        answer = lm.answer(S.needle_sample(sp, context, C.needle_question(city), None), max_new=32)
        results[(length, depth, r)] = str(number) in answer
    for length in lengths:
        row = [np.mean([results[(length, d, r)] for r in range(rounds)]) for d in depths]
        log(f"needle {length:5d} tokens: " + " ".join(f"{v:.2f}" for v in row))
    return results


# ---------------------------------------------------------------- generation

def eval_generation(lm, vq, sp, seeds: int, video_seeds: int, log, save_dir=None) -> dict:
    out = {"image": [], "video": []}
    for color in world.COLORS:
        for shape in world.SHAPES:
            for seed in range(seeds):
                codes = lm.generate_image(sp, f"a {color} {shape}", seed)
                frame = world_image(vq, codes)
                j = classify.judge(frame[0])
                out["image"].append((color, shape, j))
                if save_dir is not None and seed == 0:
                    from PIL import Image
                    Image.fromarray(frame[0]).save(os.path.join(save_dir, f"{color}-{shape}.png"))
    right = sum(j["color"] == c and j["shape"] == s for c, s, j in out["image"])
    log(f"text-to-image: {right}/{len(out['image'])} judged as the asked colour and shape")
    rng = np.random.default_rng(7)
    for seed in range(video_seeds):
        color, shape = str(rng.choice(world.COLORS)), str(rng.choice(world.SHAPES))
        direction = str(rng.choice(world.DIRECTIONS))
        codes = lm.generate_video(sp, f"a {color} {shape} moving {direction}", 4, seed)
        frames = world_image(vq, codes)
        judged = [classify.judge(f) for f in frames]
        out["video"].append((color, shape, judged))
    right = sum(all(j["color"] == c and j["shape"] == s for j in js) for c, s, js in out["video"])
    log(f"text-to-video: {right}/{len(out['video'])} clips with every frame judged as the asked colour and shape")
    return out


def world_image(vq, codes: np.ndarray) -> np.ndarray:
    """(F, 256) codes -> (F, 256, 256, 3) uint8, LWM's decode and truncation (§3.5)."""
    from lwmref import vqgan as V
    pixels = vq.decode(np.clip(codes, 0, 8191).reshape(-1, 16, 16))
    return V.to_uint8(pixels)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    ap.add_argument("--model", default=os.path.join(root, "models", "lwm-demo"))
    ap.add_argument("--n", type=int, default=40, help="questions per (source, media, type)")
    ap.add_argument("--needle-rounds", type=int, default=3)
    ap.add_argument("--gen-seeds", type=int, default=2)
    ap.add_argument("--video-seeds", type=int, default=6)
    ap.add_argument("--only", default="codes,vqgan,questions,needle,generation")
    ap.add_argument("--save", default=None, help="directory for the generated images")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(2)
    start = time.time()

    def log(msg):
        print(f"[{time.time() - start:6.0f}s] {msg}", flush=True)

    params, shape, vq = export.load(args.model)
    encoder = FastEncoder(vq, args.model, log)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.model, "tokenizer.model"))
    lm = Lm(params, shape, sp)
    report = {}
    only = set(args.only.split(","))
    if "codes" in only:
        report["codes"] = eval_codes(encoder, 40, 999, log)
    if "vqgan" in only:
        report["vqgan"] = eval_vqgan(vq, encoder, 24, 1000, log)
    if "questions" in only:
        table = eval_questions(lm, encoder, sp, args.n, 1001, log)
        report["questions"] = [{"source": s, "media": m, "type": k, "right": r, "n": n, "misses": ex}
                               for (s, m, k), (r, n, ex) in table.items()]
    if "needle" in only:
        res = eval_needles(lm, sp, args.model, (1000, 2000, 3000, 4000), (0.0, 0.25, 0.5, 0.75, 1.0), args.needle_rounds, 1002, log)
        report["needle"] = {"right": int(sum(res.values())), "n": len(res)}
        log(f"needle: {sum(res.values())}/{len(res)}")
    if "generation" in only:
        if args.save:
            os.makedirs(args.save, exist_ok=True)
        gen = eval_generation(lm, vq, sp, args.gen_seeds, args.video_seeds, log, args.save)
        report["generation"] = {
            "image": {"right": sum(j["color"] == c and j["shape"] == s for c, s, j in gen["image"]), "n": len(gen["image"])},
            "video": {"right": sum(all(j["color"] == c and j["shape"] == s for j in js) for c, s, js in gen["video"]),
                      "n": len(gen["video"])}}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
