#!/usr/bin/env bash
# VQGAN encode throughput: the Java engine against the PyTorch reference on the same weights and thread count.
# Not a test; prints a table. On a shared machine run several rounds: Python and Java runs alternate, and the
# ratio is taken per adjacent pair (wall time and process CPU time), then the median over the rounds.
#
#   usage: test/bench/vqgan-bench.sh [FIXTURES_DIR] [ROUNDS] [THREADS]
#
# FIXTURES_DIR (default test/target/vqgan-fixtures) is made by test/scripts/make_vqgan_fixtures.py if missing; the
# weights are its full-size LWM VQGAN (FIXTURES_DIR/full/vqgan, LWM's pickle format), the input its four generated
# 256x256 frames (FIXTURES_DIR/small/frames.f32). PYTHON (default test/target/venv/bin/python, else python3) must
# have torch and numpy. Set BENCH_NO_BUILD=1 to skip the Maven build.
set -euo pipefail

die() { echo "vqgan-bench.sh: ERROR: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIX=${1:-$ROOT/test/target/vqgan-fixtures}
ROUNDS=${2:-3}
THREADS=${3:-2}
REPS=3
PY=${PYTHON:-$ROOT/test/target/venv/bin/python}
[[ -x "$PY" ]] || PY=python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[[ -f "$FIX/full/vqgan" ]] || "$PY" "$ROOT/test/scripts/make_vqgan_fixtures.py" --out "$FIX" \
  || die "could not make the fixtures in $FIX"
# Compiled in place, nothing installed: the project's own modules come from their target/classes.
CP=$("$ROOT/test/scripts/test-classpath.sh") || die "could not build or resolve the test classpath"

WEIGHTS="$FIX/full/vqgan"
FRAMES="$FIX/small/frames.f32"
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
JAVA_FLAGS=(-Xmx4g -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false
  -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1
  -DDJL_CACHE_DIR="$ROOT/target/native-cache/djl" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

echo "# $(uptime)" | tee "$WORK/results"
for batch in 1 4; do
  for round in $(seq "$ROUNDS"); do
    "$PY" "$ROOT/test/bench/vqgan_bench.py" --weights "$WEIGHTS" --frames "$FRAMES" --batch "$batch" \
      --reps "$REPS" --threads "$THREADS" | tee -a "$WORK/results"
    java "${JAVA_FLAGS[@]}" -cp "$CP" lwm.test.vqgan.VqganBench "$WEIGHTS" "$FRAMES" "$batch" "$REPS" \
      | tee -a "$WORK/results"
  done
done
echo "# $(uptime)" | tee -a "$WORK/results"

"$PY" - "$WORK/results" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    impl, _, *fields = line.split()
    kv = dict(f.split("=", 1) for f in fields)
    rows.setdefault((int(kv["batch"]), impl), []).append(kv)
print("\n| frames per batch | implementation | runs | frames/s (median of bests) | best frames/s "
      "| frames per CPU-second (median) | codes sha |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for batch in sorted({b for b, _ in rows}):
    runs = {impl: rows.get((batch, impl), []) for impl in ("python", "java")}
    for impl, impl_runs in runs.items():
        fps = [float(r["frames_per_s"]) for r in impl_runs]
        per_cpu = [int(r["frames"]) / float(r["cpu_s"]) for r in impl_runs]
        print(f"| {batch} | {impl} | {len(impl_runs)} | {statistics.median(fps):.3f} | {max(fps):.3f} | "
              f"{statistics.median(per_cpu):.3f} | {','.join(sorted({r['codes_sha'] for r in impl_runs}))} |")
    # Each java run follows its python run within a minute: their ratio is the least disturbed by other load.
    pairs = list(zip(runs["python"], runs["java"]))
    wall = [float(j["frames_per_s"]) / float(p["frames_per_s"]) for p, j in pairs]
    cpu = [float(p["cpu_s"]) / float(j["cpu_s"]) for p, j in pairs]
    print(f"| {batch} | java / python, per adjacent pair | {len(pairs)} | **{statistics.median(wall):.2f}x** "
          f"({min(wall):.2f}-{max(wall):.2f}) | | **{statistics.median(cpu):.2f}x** ({min(cpu):.2f}-{max(cpu):.2f}) | |")
PYEOF
