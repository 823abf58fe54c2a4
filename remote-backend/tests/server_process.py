"""Starts `lwm-backend serve` as a real subprocess on loopback, and reads SSE streams, for the server tests."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE_ROOT.parent
TOKEN = "test-token-0123456789"


def fixtures_root() -> Path:
    return Path(os.environ.get("LWM_FIXTURES_ROOT", REPO_ROOT / "test" / "target"))


def fixture_dir(relative: str) -> Path:
    path = fixtures_root() / relative
    if not path.exists():
        pytest.skip(f"fixture {path} is absent (make the fixtures or set LWM_FIXTURES_ROOT)")
    return path


def golden(relative: str) -> dict:
    return json.loads((fixture_dir(relative)).read_text())


def write_token_file() -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".token", delete=False) as file:
        file.write(TOKEN)
    return file.name


def server_environment() -> dict:
    """The test environment minus what would override the server's own flags: the simulated device count
    the test process forces on XLA (the server takes --devices) and a token in the environment."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")])}
    env["XLA_FLAGS"] = " ".join(flag for flag in env.get("XLA_FLAGS", "").split()
                                if not flag.startswith("--xla_force_host_platform_device_count"))
    env.pop("LWM_BACKEND_TOKEN", None)
    return env


class ServerProcess:
    """One `python -m lwm_backend.cli serve ...` process; its URL comes from its 'listening on' line."""

    def __init__(self, *args: str, startup_timeout_s: float = 180):
        self._token_file = write_token_file()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        env = server_environment()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lwm_backend.cli", "serve", "--token-file", self._token_file, *args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env, cwd=str(PACKAGE_ROOT))
        self.url = self._wait_for_url(startup_timeout_s)

    def _wait_for_url(self, timeout_s: float) -> str:
        found: list[str] = []

        def read_lines():
            for line in self.process.stdout:
                if line.startswith("listening on "):
                    found.append(line.split("listening on ", 1)[1].strip())
                    return

        reader = threading.Thread(target=read_lines, daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not found:
            self.stop()
            raise AssertionError(f"the server did not print 'listening on' within {timeout_s} s:\n{self.log_text()}")
        return found[0]

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-5000:]

    def client(self, token: str | None = TOKEN, timeout_s: float = 120) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if os.path.exists(self._token_file):
            os.unlink(self._token_file)


def read_sse(response: httpx.Response, on_event=None) -> list:
    """Events of an SSE response: ('ping', arrival time) or ('data', parsed JSON or '[DONE]', arrival time).
    on_event(event) may act while the stream is still open (e.g. send a cancel)."""
    events = []
    for line in response.iter_lines():
        if not line:
            continue
        now = time.monotonic()
        if line.startswith(":"):
            event = ("ping", line, now)
        else:
            assert line.startswith("data: "), f"unexpected SSE line {line!r}"
            payload = line[len("data: "):]
            event = ("data", payload if payload == "[DONE]" else json.loads(payload), now)
        events.append(event)
        if on_event is not None:
            on_event(event)
    return events


def data_frames(events: list) -> list:
    return [event[1] for event in events if event[0] == "data"]
