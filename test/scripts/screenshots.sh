#!/usr/bin/env bash
# Renders every screen of the desktop, light and dark, under Xvfb with the real GTK window system (not Monocle):
# chat with an answered image question and a video in the planner, the planner refusing with its one-click fix,
# the video inspector's contact sheet, the settings. Needs the Debian packages xvfb, xauth and libgtk-3-0.
#
#   usage: test/scripts/screenshots.sh [OUT_DIR]     (default docs/screenshots)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/docs/screenshots}
command -v xvfb-run >/dev/null || { echo "screenshots.sh: install xvfb, xauth and libgtk-3-0" >&2; exit 1; }
CP=$("$ROOT/test/scripts/test-classpath.sh")
export LWM_DEMO_MODEL="$ROOT/models/lwm-demo"
xvfb-run -a -s "-screen 0 1280x900x24" java -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false \
  -DDJL_CACHE_DIR="$ROOT/target/native-cache/djl" -Dorg.bytedeco.javacpp.cachedir="$ROOT/target/native-cache/javacpp" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" lwm.test.desktop.ScreenshotTour "$OUT"
