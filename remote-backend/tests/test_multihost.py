"""Two processes x two simulated CPU devices on loopback (jax.distributed over gloo, sp=4 across both):
process 0 serves HTTP and mirrors every engine call to process 1; the answers equal the golden ones and
the processes stay in step through sessions and a cancelled prefill."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile

import pytest

from server_process import (PACKAGE_ROOT, ServerProcess, data_frames, fixture_dir, golden, read_sse,
                            server_environment, write_token_file)

MODEL = "fixtures/models/s2x64/hf-f32"
GOLDEN = "fixtures/models/s2x64/golden.json"


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def coordinator_port() -> int:
    """A free port whose successor (the control channel) is free too."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and _port_is_free(port + 1):
            return port
    raise AssertionError("no two consecutive free ports on loopback")


@pytest.fixture(scope="module")
def cluster():
    model = fixture_dir(MODEL)
    port = coordinator_port()
    common = ["--model", str(model), "--devices", "2", "--chunk-size", "128",
              "--coordinator", f"127.0.0.1:{port}", "--num-processes", "2"]
    token_file = write_token_file()
    follower_log = tempfile.NamedTemporaryFile("w+", suffix=".follower.log", delete=False)
    follower = subprocess.Popen([sys.executable, "-m", "lwm_backend.cli", "serve", "--token-file", token_file,
                                 *common, "--process-id", "1"],
                                stdout=follower_log, stderr=subprocess.STDOUT, env=server_environment(),
                                cwd=str(PACKAGE_ROOT))
    try:
        leader = ServerProcess(*common, "--process-id", "0", "--port", "0")
    except BaseException:
        follower.kill()
        raise
    yield leader, follower
    leader.stop()
    try:
        follower.wait(30)
    finally:
        if follower.poll() is None:
            follower.kill()
        os.unlink(token_file)


@pytest.mark.timeout(300)
def test_two_processes_serve_the_golden_greedy_tokens(cluster):
    leader, _ = cluster
    greedy = golden(GOLDEN)["greedy"]
    with leader.client() as client:
        model = client.get("/v1/models").json()["data"][0]
        assert model["devices"] == 4 and model["mesh"]["sp"] == 4
        answer = client.post("/v1/chat/completions", json={
            "messages": [{"role": "user", "content": "What is 2+2?"}], "temperature": 0,
            "max_tokens": len(greedy["generated_ids"])}).json()
    assert answer["choices"][0]["token_ids"] == greedy["generated_ids"]


@pytest.mark.timeout(300)
def test_two_processes_stay_in_step_through_sessions_and_cancel(cluster):
    leader, follower = cluster
    data = golden(GOLDEN)
    greedy, long_ids = data["greedy"], data["cases"][2]["prompt_ids"]
    with leader.client() as client:
        created = client.post("/v1/sessions", json={"lwm_input": [{"type": "tokens", "ids": long_ids}]}).json()
        cancelled = []

        def cancel_once_prefilling(event):
            frame = event[1]
            if event[0] == "data" and isinstance(frame, dict) and not cancelled and \
                    frame.get("prompt_progress", {}).get("processed", 0) > 0:
                cancelled.append(client.post(f"/v1/requests/{created['request_id']}/cancel").status_code)

        with client.stream("GET", f"/v1/sessions/{created['session_id']}/events") as response:
            frames = data_frames(read_sse(response, cancel_once_prefilling))
        assert frames[-2]["state"] in ("cancelled", "ready")
        assert client.delete(f"/v1/sessions/{created['session_id']}").status_code == 204

        document, question = greedy["prompt_ids"][:-4], greedy["prompt_ids"][-4:]
        session_id = client.post("/v1/sessions", json={"lwm_input": [{"type": "tokens", "ids": document}]}).json()["session_id"]
        answer = client.post("/v1/chat/completions", json={
            "session_id": session_id, "lwm_input": [{"type": "tokens", "ids": question}], "temperature": 0,
            "max_tokens": len(greedy["generated_ids"])}).json()
        assert answer["choices"][0]["token_ids"] == greedy["generated_ids"]
        assert answer["usage"]["prompt_tokens_details"]["cached_tokens"] == len(document)
        assert client.delete(f"/v1/sessions/{session_id}").status_code == 204
    assert follower.poll() is None, "the follower process exited while the leader was serving"


@pytest.mark.timeout(120)
def test_the_follower_exits_cleanly_when_process_0_stops(cluster):
    leader, follower = cluster
    leader.stop()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: -15 is the clean exit here.
    assert leader.process.returncode in (0, -15)
    assert follower.wait(60) == 0
