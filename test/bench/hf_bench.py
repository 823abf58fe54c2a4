#!/usr/bin/env python3
"""The transformers peer of lwm.bench.EngineBenchmark: same measurements, same JSON lines.

    usage: hf_bench.py --model DIR --label NAME --dtype f32|f16 --mode decode|prefill|memory [options]

decode:  prefill --context tokens, then time --steps one-token forwards with past_key_values (greedy argmax).
prefill: time one forward of --length tokens (logits of the last position only, logits_to_keep=1).
memory:  prefill --length tokens in chunks of --chunk; VmRSS before/after loading and VmHWM at the end.
One warm-up run, then --repeats timed runs; the median is reported. Attention is "sdpa" (the default).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def proc_status() -> dict:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    return out


def token_ids(n: int, vocab: int) -> list[int]:
    """The same deterministic ids EngineBenchmark uses."""
    return [(i * 7919 + 13) % (vocab - 3) + 3 for i in range(n)]


def emit(args, metric: str, **fields) -> None:
    line = {"side": "transformers", "model": args.label, "dtype": args.dtype, "metric": metric,
            "threads": args.threads, "attn": "sdpa"}
    line.update(fields)
    print(json.dumps(line), flush=True)


def timed(args, run) -> list[float]:
    run()  # warm-up
    return [run() for _ in range(args.repeats)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--dtype", choices=("f32", "f16"), required=True)
    ap.add_argument("--mode", choices=("decode", "prefill", "memory"), required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--length", type=int, default=2048)
    ap.add_argument("--chunk", type=int, default=512)
    ap.add_argument("--time-limit", type=float, default=180.0, help="memory mode gives up after this many seconds")
    args = ap.parse_args()

    import torch
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    torch.zeros(1) @ torch.zeros(1)  # initialise the CPU backend before the baseline
    baseline = proc_status()
    dtype = {"f32": torch.float32, "f16": torch.float16}[args.dtype]
    model = transformers.LlamaForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="sdpa")
    model.eval()
    loaded = proc_status()
    vocab = model.config.vocab_size

    def forward(ids, past=None):
        return model(input_ids=torch.tensor([ids]), past_key_values=past, use_cache=True, logits_to_keep=1)

    with torch.inference_mode():
        if args.mode == "decode":
            prompt = token_ids(args.context, vocab)

            def run():
                out = forward(prompt)
                past, token = out.past_key_values, int(out.logits[0, -1].argmax())
                start = time.perf_counter()
                for _ in range(args.steps):
                    out = forward([token], past)
                    past, token = out.past_key_values, int(out.logits[0, -1].argmax())
                return args.steps / (time.perf_counter() - start)

            rates = timed(args, run)
            emit(args, "decode_tps", context=args.context, steps=args.steps, runs=rates, median=statistics.median(rates))
        elif args.mode == "prefill":
            prompt = token_ids(args.length, vocab)

            def run():
                start = time.perf_counter()
                forward(prompt)
                return args.length / (time.perf_counter() - start)

            rates = timed(args, run)
            emit(args, "prefill_tps", length=args.length, chunk=args.length, runs=rates,
                 median=statistics.median(rates))
        else:
            prompt = token_ids(args.length, vocab)
            past, done, start, skipped = None, 0, time.perf_counter(), None
            while done < args.length:
                if time.perf_counter() - start > args.time_limit:
                    skipped = f"stopped after {args.time_limit:.0f} s"
                    break
                out = forward(prompt[done:done + args.chunk], past)
                past, done = out.past_key_values, done + min(args.chunk, args.length - done)
            seconds = time.perf_counter() - start
            end = proc_status()
            cfg = model.config
            weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
            kv_bytes = 2 * cfg.num_hidden_layers * cfg.hidden_size * done * torch.empty(0, dtype=dtype).element_size()
            emit(args, "memory", length=args.length, tokens_done=done, chunk=args.chunk, seconds=seconds,
                 skipped=skipped, baseline_rss=baseline["VmRSS"], loaded_rss=loaded["VmRSS"],
                 loaded_rss_file=loaded["RssFile"], end_rss=end["VmRSS"], peak_hwm=end["VmHWM"],
                 weight_bytes=weight_bytes, kv_bytes=kv_bytes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
