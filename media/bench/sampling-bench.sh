#!/usr/bin/env bash
# Sampling benchmark (not a test): a one-hour 640x360 H.264 video sampled at 1 fps into LWM's 256x256 float
# frames by lwm.media (FrameSampler) and by the ffmpeg command line in the same run; prints frames/s and peak memory.
#
#   usage: media/bench/sampling-bench.sh [SECONDS]      (default 3600)
#
# The video is generated once into media/target/bench/ and reused. The bundled ffmpeg binary needs
# libpulse.so.0 (Debian: apt-get install libpulse0); the Java sampler does not.
set -euo pipefail

MEDIA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="$MEDIA_DIR/target/bench"
SECONDS_OF_VIDEO=${1:-3600}
mkdir -p "$WORK"

if ! ldconfig -p 2>/dev/null | grep -q 'libpulse.so.0'; then
  echo "sampling-bench.sh: the bundled ffmpeg binary needs libpulse.so.0 (apt-get install libpulse0)" >&2
  exit 1
fi

mvn -B -o -q -f "$MEDIA_DIR/pom.xml" package -DskipTests
mvn -B -o -q -f "$MEDIA_DIR/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/classpath.txt" \
  -Dmdep.includeScope=runtime
CLASSPATH="$MEDIA_DIR/target/classes:$(cat "$WORK/classpath.txt")"

# The heap holds a few dozen frames in flight; peak RSS is what the table reports.
exec java -Xmx512m -Djava.awt.headless=true \
  -Dorg.bytedeco.javacpp.cachedir="$MEDIA_DIR/target/native-cache/javacpp" \
  -cp "$CLASSPATH" lwm.media.bench.SamplingBenchmark "$WORK" "$SECONDS_OF_VIDEO"
