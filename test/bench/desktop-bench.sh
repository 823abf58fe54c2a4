#!/usr/bin/env bash
# The FX thread's longest stall in the real desktop window (Monocle, headless) while it streams answers from the
# demo model at full speed and while it ingests a 2-minute 640x360 video, against the same window idle in the same
# run. Not a test; prints a table of medians over ROUNDS. Target: never over 50 ms.
#
#   usage: test/bench/desktop-bench.sh [ROUNDS] [SECONDS_PER_ROUND]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CP=$("$ROOT/test/scripts/test-classpath.sh")
export LWM_DEMO_MODEL="$ROOT/models/lwm-demo"
java -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false -DDJL_CACHE_DIR="$ROOT/target/native-cache/djl" \
  -Dorg.bytedeco.javacpp.cachedir="$ROOT/target/native-cache/javacpp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dtestfx.headless=true -Dglass.platform=Monocle -Dmonocle.platform=Headless -Dprism.order=sw -Djava.awt.headless=true \
  -cp "$CP" lwm.test.desktop.FxStallBench "${1:-3}" "${2:-10}"
