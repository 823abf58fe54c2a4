"""Fixture directories shared by the make_*_fixtures.py scripts: skipped while their stamp (a hash of the generator
sources) matches, otherwise generated into a temporary sibling and renamed into place, so a crash or a cancelled
build never leaves a half-written fixture set behind."""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import sys
import time
from importlib.metadata import version

STAMP_NAME = ".stamp"


def source_hash(here: str, files: list[str]) -> str:
    """sha256 over the given files (paths relative to HERE are hashed too, so a rename counts)."""
    h = hashlib.sha256()
    for path in files:
        h.update(os.path.relpath(path, here).replace(os.sep, "/").encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()


def read_stamp(out_dir: str) -> str | None:
    try:
        with open(os.path.join(out_dir, STAMP_NAME)) as f:
            return f.read().strip()
    except OSError:
        return None


def remove_stale(parent: str, base: str) -> None:
    """Removes .BASE.tmp-PID / .BASE.old-PID leftovers of killed runs whose process no longer exists."""
    for path in glob.glob(os.path.join(parent, f".{base}.tmp-*")) + glob.glob(os.path.join(parent, f".{base}.old-*")):
        try:
            pid = int(path.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def main(name: str, doc: str, stamp: str, setup, generate, packages: tuple[str, ...]) -> int:
    """The command line of a fixture script: --out DIR [--force]; GENERATE(tmp, log) returns the manifest's body."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="fixture directory (created/replaced)")
    ap.add_argument("--force", action="store_true", help="regenerate even if the stamp matches")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    parent, base = os.path.dirname(out), os.path.basename(out)
    if not args.force and read_stamp(out) == stamp:
        remove_stale(parent, base)
        print(f"{name}: up to date: {out}")
        return 0

    setup()
    os.makedirs(parent, exist_ok=True)
    remove_stale(parent, base)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a cancelled build unwinds and removes tmp
    tmp = os.path.join(parent, f".{base}.tmp-{os.getpid()}")
    os.makedirs(tmp)
    start = time.perf_counter()

    def log(msg):
        print(f"{name} [{time.perf_counter() - start:6.1f}s] {msg}", flush=True)

    try:
        body = generate(tmp, log)
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump({"generator_hash": stamp, "python": sys.version.split()[0],
                       "versions": {m: version(m) for m in packages}, **body}, f, indent=1)
            f.write("\n")
        with open(os.path.join(tmp, STAMP_NAME), "w") as f:
            f.write(stamp + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    old = os.path.join(parent, f".{base}.old-{os.getpid()}")
    if os.path.exists(out):
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    log(f"done: {out}")
    return 0
