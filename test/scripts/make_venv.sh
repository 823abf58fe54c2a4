#!/usr/bin/env bash
# Creates (or reuses) the Python venv for the reference-fixture scripts.
#
#   usage: make_venv.sh VENV_DIR
#
# Installs requirements.txt (next to this script) with pip from the configured
# package index and writes VENV_DIR/.requirements.sha256. When that stamp matches
# the current requirements.txt the script exits immediately, so repeated Maven
# builds cost nothing. Any failure exits non-zero with a message on stderr.
set -euo pipefail

die() { echo "make_venv.sh: ERROR: $*" >&2; exit 1; }

[[ $# -eq 1 && -n "$1" ]] || die "usage: make_venv.sh VENV_DIR"
VENV_DIR=$1
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQ="$SCRIPT_DIR/requirements.txt"
PYTHON=${PYTHON:-python3}
STAMP="$VENV_DIR/.requirements.sha256"

[[ -f "$REQ" ]] || die "requirements file not found: $REQ"
command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found on PATH (need Python 3.11)"

HASH=$("$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$REQ") \
  || die "could not hash $REQ"

# Builds running side by side (several modules, or two checkouts' CI) take turns; the second finds it ready.
mkdir -p "$(dirname "$VENV_DIR")"
exec 9>"$VENV_DIR.lock"
flock 9

if [[ -f "$STAMP" && -x "$VENV_DIR/bin/python" && "$(cat "$STAMP")" == "$HASH" ]]; then
  echo "make_venv.sh: venv up to date: $VENV_DIR"
  exit 0
fi

START=$(date +%s)
echo "make_venv.sh: creating venv $VENV_DIR with $("$PYTHON" --version 2>&1)"
rm -f "$STAMP"
"$PYTHON" -m venv --clear "$VENV_DIR" \
  || die "'$PYTHON -m venv' failed (on Debian/Ubuntu install the python3-venv package)"

export PIP_RETRIES=0
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
if ! "$VENV_DIR/bin/python" -m pip install -r "$REQ"; then
  die "pip install -r $REQ failed (offline: packages must be available from the configured pip index/find-links; see 'pip config list')"
fi

"$VENV_DIR/bin/python" -c 'import torch, transformers, sentencepiece, safetensors, numpy, msgpack, PIL, jax, fastapi, uvicorn, httpx, pytest' \
  || die "installed venv cannot import the required packages"

echo "$HASH" > "$STAMP.tmp" && mv "$STAMP.tmp" "$STAMP"
echo "make_venv.sh: venv ready in $(( $(date +%s) - START )) s: $VENV_DIR"
