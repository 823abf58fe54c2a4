#!/usr/bin/env python3
"""Prints the benchmark table from the JSON lines of EngineBenchmark and hf_bench.py.

    usage: report.py results.jsonl [--minutes N]
"""
from __future__ import annotations

import argparse
import json
import sys

DECODE_TARGET = 1.2
PREFILL_TARGET = 1.0
MEMORY_SLACK = 1.25
BUSY = 0.10  # other processes' share of the machine above which a row is flagged
GIB = 1024 ** 3


def rate(line) -> str:
    if line is None:
        return "-"
    runs = line["runs"]
    return f"{line['median']:.1f} [{min(runs):.1f}-{max(runs):.1f}]"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--minutes", type=int)
    args = ap.parse_args()
    lines = [json.loads(l) for l in open(args.results) if l.strip()]

    def find(side, model, dtype, metric, **extra):
        for l in lines:
            if (l["side"], l["model"], l["dtype"], l["metric"]) == (side, model, dtype, metric) and all(
                    l.get(k) == v for k, v in extra.items()):
                return l
        return None

    rows, verdicts = [], []
    models = sorted({l["model"] for l in lines if l["metric"] != "memory"}, key=lambda m: m != "small")
    for model in models:
        for dtype in ("f32", "f16"):
            for title, metric, extra, hf_extra, target in (
                    ("decode tok/s, 512 ctx", "decode_tps", {}, {}, DECODE_TARGET),
                    ("prefill tok/s, 2048 in 1 forward", "prefill_tps", {"chunk": 2048}, {"chunk": 2048},
                     PREFILL_TARGET),
                    ("prefill tok/s, 2048 in chunks of 512", "prefill_tps", {"chunk": 512}, {"chunk": 2048}, None)):
                java, hf = find("java", model, dtype, metric, **extra), find("transformers", model, dtype, metric,
                                                                              **hf_extra)
                if java is None and hf is None or (java is None and target is None):
                    continue
                ratio = java["median"] / hf["median"] if java and hf else None
                busy = max((l or {}).get("others_cpu", 0) for l in (java, hf))
                if target is None:
                    verdict = "(info)"
                elif ratio is None:
                    verdict = "n/a"
                else:
                    verdict = f">={target:.1f}x " + ("PASS" if ratio >= target else "MISS")
                    verdicts.append((f"{model} {dtype} {title}", ratio >= target))
                rows.append((model, dtype, title, rate(java), rate(hf), f"{ratio:.2f}x" if ratio else "-", verdict,
                             f"{busy:.0%}" + (" BUSY" if busy > BUSY else "")))
    header = ("model", "dtype", "measurement (median [min-max])", "java", "transformers", "java/tf", "target",
              "others")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]

    def show(r):
        return "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()

    meta = next(iter(lines), {})
    print(f"LWM engine (Java 17, DJL 0.35.1 / libtorch 2.7.1 CPU) vs HF transformers (torch CPU, attn_implementation="
          f"sdpa), {meta.get('threads', '?')} threads each, same random weights")
    print(show(header))
    print(show(["-" * w for w in widths]))
    for r in rows:
        print(show(r))

    print()
    print("Peak resident memory, 16K-token prefill of the small model (F32, chunks of 512):")
    for side in ("java", "transformers"):
        m = find(side, "small", "f32", "memory")
        if m is None:
            continue
        used = m["peak_hwm"] - m["baseline_rss"]
        budget = (m["weight_bytes"] + m["kv_bytes"]) * MEMORY_SLACK
        note = ""
        if m.get("skipped"):
            note = f"  (incomplete: {m['skipped']} at {m['tokens_done']} tokens)"
        line = (f"  {side:<12} peak-baseline {used / GIB:.2f} GiB  (baseline {m['baseline_rss'] / GIB:.2f}, after load "
                f"{m['loaded_rss'] / GIB:.2f}, peak {m['peak_hwm'] / GIB:.2f}, end {m['end_rss'] / GIB:.2f} GiB; "
                f"{m['tokens_done']} tokens in {m['seconds']:.0f} s)")
        if side == "java":
            ok = used <= budget
            verdicts.append(("small f32 16K prefill peak memory", ok))
            line += (f"\n  {'':<12} budget (weights {m['weight_bytes'] / GIB:.2f} + KV {m['kv_bytes'] / GIB:.2f}) x "
                     f"{MEMORY_SLACK} = {budget / GIB:.2f} GiB -> {'PASS' if ok else 'MISS'} "
                     f"({used / (m['weight_bytes'] + m['kv_bytes']):.2f}x weights+KV)")
        print(line + note)

    print()
    passed = sum(ok for _, ok in verdicts)
    print(f"Targets: {passed}/{len(verdicts)} met" + (f"; run took {args.minutes} min" if args.minutes else ""))
    for name, ok in verdicts:
        if not ok:
            print(f"  MISS: {name}")
    print("java/tf = engine median / transformers median (higher is better for the engine). 'others' = share of the "
          "machine other processes used during either side's run (the larger); BUSY rows are unreliable.")
    print("F16: the engine keeps F16 weights and matmuls with F32 norms, softmax, RoPE and KV cache; transformers runs "
          "the whole model in F16. Decode: greedy, one token per forward, after a 512-token prefill.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
