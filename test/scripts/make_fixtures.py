#!/usr/bin/env python3
"""Reference-fixture generator for the LWM Desktop Java port.

    python make_fixtures.py --out DIR

Writes a tiny SentencePiece tokenizer with golden tokenizations, and for each model shape random bf16-exact
LLaMA weights in every checkpoint format (HF safetensors F32/BF16/F16, torch .bin, LWM Jax streaming msgpack)
together with golden logits and a greedy generation computed by HF transformers from the written hf-f32 files.
Layout and JSON keys: test/FIXTURES.md.

Idempotent: DIR/.stamp holds a hash of the generator sources (this file, lwmref/*.py, requirements.txt); when it
matches, the script exits at once. Otherwise everything is regenerated into a temporary sibling directory,
verified, and then renamed into place, so an interrupted run never leaves a partial fixture set behind.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, HERE)
from lwmref import fixture_dir  # noqa: E402


def source_hash() -> str:
    files = [os.path.abspath(__file__), os.path.join(HERE, "requirements.txt")]
    return fixture_dir.source_hash(HERE, files + sorted(glob.glob(os.path.join(HERE, "lwmref", "*.py"))))


def _setup_env() -> None:
    for k, v in (("OMP_NUM_THREADS", "2"), ("MKL_NUM_THREADS", "2"), ("HF_HUB_OFFLINE", "1"),
                 ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_TELEMETRY", "1"),
                 ("TRANSFORMERS_VERBOSITY", "error"), ("TOKENIZERS_PARALLELISM", "false"),
                 ("HF_HUB_DISABLE_PROGRESS_BARS", "1")):
        os.environ.setdefault(k, v)


def generate(tmp: str, log) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    sys.path.insert(0, HERE)
    from lwmref import golden as G
    from lwmref import jaxfmt, reference, tokenizer, verify, weights
    from lwmref.shapes import FORMATS, SHAPES

    timings = {}
    t0 = time.perf_counter()
    tok_dir = os.path.join(tmp, "tokenizer")
    sp = tokenizer.train(tok_dir)
    weights.write_json(os.path.join(tok_dir, "golden.json"), tokenizer.golden(sp))
    tok_model = os.path.join(tok_dir, "tokenizer.model")
    timings["tokenizer"] = time.perf_counter() - t0
    log(f"tokenizer: vocab {sp.vocab_size()}, {len(tokenizer.GOLDEN_TEXTS)} golden cases "
        f"({timings['tokenizer']:.1f} s)")

    summary = {}
    for shape in SHAPES:
        ts = time.perf_counter()
        mdir = os.path.join(tmp, "models", shape.name)
        os.makedirs(os.path.join(mdir, "logits"))
        sd = weights.make_state_dict(shape)

        # ---- checkpoints
        weights.write_safetensors_dir(os.path.join(mdir, "hf-f32"), sd, shape, torch.float32, shape.f32_shards)
        weights.write_safetensors_dir(os.path.join(mdir, "hf-bf16"), sd, shape, torch.bfloat16, 1)
        weights.write_safetensors_dir(os.path.join(mdir, "hf-f16"), sd, shape, torch.float16, 1)
        weights.write_bin_dir(os.path.join(mdir, "bin"), sd, shape, shape.f32_shards)
        jdir = os.path.join(mdir, "jax")
        os.makedirs(jdir)
        chunk_info = jaxfmt.write_params(os.path.join(jdir, "params"), jaxfmt.hf_to_jax(sd, shape),
                                         shape.chunk_threshold)
        weights.write_json(os.path.join(jdir, "lwm_config.json"), {
            "num_attention_heads": shape.heads,
            "rope_theta": shape.theta,
            "max_sequence_length": shape.max_pos,
            "rms_norm_eps": shape.eps,
        })
        if shape.with_tokenizer:
            assert shape.vocab == sp.vocab_size()
            for fmt in ("hf-f32", "hf-bf16", "hf-f16", "bin", "jax"):
                shutil.copyfile(tok_model, os.path.join(mdir, fmt, "tokenizer.model"))
                os.chmod(os.path.join(mdir, fmt, "tokenizer.model"), 0o644)
        t_write = time.perf_counter() - ts

        # ---- golden values from HF, loaded from the files just written
        tg = time.perf_counter()
        model = G.load_hf(os.path.join(mdir, "hf-f32"))
        G.check_loaded(model, sd, shape)
        rng = np.random.default_rng(shape.seed)
        cases, case_logits = [], {}
        for length in shape.case_lengths:
            name = f"len{length}"
            if length == 17 and shape.with_tokenizer:
                ids = [sp.bos_id()] + sp.encode("The quick brown fox jumps over the lazy dog.")[:16]
                assert len(ids) == 17
            else:
                ids = G.random_ids(rng, length, shape.vocab)
            positions = G.case_positions(length)
            logits = G.forward_logits(model, ids)
            assert torch.isfinite(logits).all()
            rows = logits[positions].numpy().astype("<f4")
            rows.tofile(os.path.join(mdir, "logits", f"{name}.f32"))
            case_logits[name] = (ids, positions, rows)
            cases.append({"name": name, "prompt_ids": ids, "positions": positions,
                          "logits": f"logits/{name}.f32", "logits_shape": [len(positions), shape.vocab]})
        t_cases = time.perf_counter() - tg

        tq = time.perf_counter()
        candidates = []
        if shape.with_tokenizer:
            for text in ("You are a helpful assistant. USER: What is 2+2? ASSISTANT:",
                         "You are a helpful assistant. USER: Describe the video. ASSISTANT:",
                         "The old sailor found a wooden boat near the river"):
                candidates.append(([sp.bos_id()] + sp.encode(text), text))
        grng = np.random.default_rng(shape.seed + 7)
        for _ in range(G.GREEDY_MAX_TRIES):
            candidates.append((G.random_ids(grng, int(grng.integers(4, 17)), shape.vocab), None))
        greedy = G.pick_greedy(model, shape, candidates)
        long_greedy = (G.pick_long_greedy(model, shape, np.random.default_rng(shape.seed + 11))
                       if shape.long_greedy_length else None)
        t_greedy = time.perf_counter() - tq

        config = dict(model.config.to_dict())  # sanity: what HF actually used
        assert config["rms_norm_eps"] == shape.eps and config["rope_parameters"]["rope_theta"] == shape.theta
        with open(os.path.join(mdir, "hf-f32", "config.json")) as f:
            gconfig = json.load(f)
        gconfig["head_dim"] = shape.head_dim
        inv_freq = [float(x) for x in model.model.rotary_emb.inv_freq.float()]
        weights.write_json(os.path.join(mdir, "golden.json"), {
            "shape": shape.name,
            "config": gconfig,
            "cases": cases,
            "greedy": greedy,
            **({"long_greedy": long_greedy} if long_greedy else {}),
            "formats": FORMATS,
            "rope_inv_freq": inv_freq,
            "jax": {"params": "jax/params", "chunk_threshold_bytes": shape.chunk_threshold,
                    "chunks": chunk_info},
        })
        del model

        # ---- verification: every format reloads bit-exactly; the Jax layout reproduces the HF logits
        tv = time.perf_counter()
        report = verify.verify_shape(shape, mdir, sd)
        params, _ = jaxfmt.read_params(os.path.join(jdir, "params"))
        ref_err = {}
        for name in case_logits:
            ids, positions, rows = case_logits[name]
            ref = reference.forward(params, shape, ids)[positions].numpy()
            err = float(np.abs(ref - rows).max())
            ref_err[name] = err
            assert err < 1e-3, (shape.name, name, err)
        t_verify = time.perf_counter() - tv

        files = sorted(os.path.relpath(p, mdir) for p in glob.glob(os.path.join(mdir, "**", "*"), recursive=True)
                       if os.path.isfile(p))
        size = sum(os.path.getsize(os.path.join(mdir, p)) for p in files)
        summary[shape.name] = {
            "files": len(files), "bytes": size, "greedy_min_top2_gap": greedy["min_top2_gap"],
            "jax_chunks": {k: v for k, v in chunk_info.items() if v}, "jax_vs_hf_max_abs_logit_err": ref_err,
            "seconds": {"write": t_write, "cases": t_cases, "greedy": t_greedy, "verify": t_verify},
            "verify": report,
        }
        timings[shape.name] = time.perf_counter() - ts
        log(f"{shape.name}: {len(files)} files, {size / 1e6:.1f} MB, greedy gap {greedy['min_top2_gap']:.4f} "
            f"({'text' if greedy['prompt_text'] else 'random'} prompt), jax-vs-hf max err "
            + ", ".join(f"{k} {v:.2e}" for k, v in ref_err.items())
            + f" | write {t_write:.1f}s cases {t_cases:.1f}s greedy {t_greedy:.1f}s verify {t_verify:.1f}s")
        for fmt, desc in report.items():
            log(f"    {fmt:8s} {desc}")
    timings["total"] = time.perf_counter() - t0
    return {"timings": timings, "shapes": summary}


def main() -> int:
    return fixture_dir.main("make_fixtures", __doc__, source_hash(), _setup_env, generate,
                            ("torch", "transformers", "sentencepiece", "safetensors", "numpy", "msgpack"))


if __name__ == "__main__":
    sys.exit(main())
