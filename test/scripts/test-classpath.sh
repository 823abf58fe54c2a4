#!/usr/bin/env bash
# Prints the class path of the end-to-end tests with the project's own modules from their target/classes (never a
# possibly different snapshot in the local repository). Compiles them first unless BENCH_NO_BUILD=1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# One reactor run: the project's modules resolve to their target/classes even when no snapshot was ever installed.
GOALS="dependency:build-classpath"
[[ "${BENCH_NO_BUILD:-0}" == 1 ]] || GOALS="test-compile $GOALS"
(cd "$ROOT" && mvn -B -q -pl test -am $GOALS -Dexec.skip=true -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp" >&2) || { echo "could not build or resolve the test classpath" >&2; exit 1; }
DEPS=$(sed -E "s#[^:]*/lwm-(app|engine|media|ui)-[^:/]*\.jar#$ROOT/\1/target/classes#g" "$WORK/cp")
echo "$ROOT/test/target/test-classes:$DEPS"
