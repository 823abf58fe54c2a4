"""The HTTP contract (PROTOCOL.md) against a real `lwm-backend serve` on loopback, with the real engine
on the tiny s2x64 fixture model over 4 simulated CPU devices (sp=4).

Prefill chunks are 8 tokens so a 3000-token prompt takes a few seconds: long enough to watch progress,
pings and cancellation, short enough for CI.
"""
from __future__ import annotations

import ssl
import subprocess
import time

import httpx
import pytest

from server_process import ServerProcess, data_frames, fixture_dir, golden, read_sse

MODEL = "fixtures/models/s2x64/hf-f32"
GOLDEN = "fixtures/models/s2x64/golden.json"
CHUNK = 8
KV_BYTES_PER_TOKEN = 1024          # 2 (K, V) x 2 layers x 64 hidden x 4 bytes
MAX_CONTEXT = 4096
BUDGET = 2 * MAX_CONTEXT * KV_BYTES_PER_TOKEN   # room for exactly two full-capacity sessions
MAX_BODY = 1_000_000
HEADROOM = 1000


@pytest.fixture(scope="module")
def server():
    model = fixture_dir(MODEL)
    process = ServerProcess("--model", str(model), "--devices", "4", "--port", "0",
                            "--chunk-size", str(CHUNK), "--progress-interval", "0.25", "--ping-interval", "0.1",
                            "--kv-budget-bytes", str(BUDGET), "--max-body-bytes", str(MAX_BODY),
                            "--session-ttl", "60", "--session-headroom", str(HEADROOM))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def greedy():
    return golden(GOLDEN)["greedy"]


@pytest.fixture(scope="module")
def long_ids():
    return golden(GOLDEN)["cases"][2]["prompt_ids"]   # 3000 ids


def tokens(ids):
    return [{"type": "tokens", "ids": list(ids)}]


def wait_for_session(client: httpx.Client, session_id: str) -> list:
    """Reads the session's events stream to its end; returns the events."""
    with client.stream("GET", f"/v1/sessions/{session_id}/events") as response:
        assert response.status_code == 200
        return read_sse(response)


def assert_progress_well_formed(frames: list) -> None:
    progress = [f["prompt_progress"] for f in frames if isinstance(f, dict) and "prompt_progress" in f]
    assert progress, "no prompt_progress frames"
    processed = [p["processed"] for p in progress]
    assert processed == sorted(processed), f"processed went backwards: {processed}"
    assert all(0 <= p["processed"] <= p["total"] for p in progress)
    for frame in frames:
        if isinstance(frame, dict) and "prompt_progress" in frame:
            assert frame["choices"] == []


@pytest.mark.timeout(240)
def test_health_is_open_and_models_describe_the_deployment(server):
    with server.client(token=None) as anonymous:
        assert anonymous.get("/health").json() == {"status": "ok"}
    with server.client() as client:
        model = client.get("/v1/models").json()["data"][0]
    assert model["id"] == "hf-f32" and model["object"] == "model"
    assert model["max_context"] == MAX_CONTEXT and model["vocab_size"] == 512
    assert model["vision_vocab_size"] is None and model["modalities"] == ["text"] and model["vqgan"] is False
    assert model["devices"] == 4 and model["mesh"] == {"dp": 1, "fsdp": 1, "tp": 1, "sp": 4}
    assert model["kv_bytes_per_token"] == KV_BYTES_PER_TOKEN and model["progress"] is True


@pytest.mark.timeout(60)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic dGVzdA==", "Bearer"])
def test_every_endpoint_but_health_needs_the_token(server, authorization):
    calls = [("GET", "/v1/models", None),
             ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
             ("POST", "/v1/sessions", {"lwm_input": tokens([1, 2, 3])}),
             ("GET", "/v1/sessions/sess-x", None), ("GET", "/v1/sessions/sess-x/events", None),
             ("DELETE", "/v1/sessions/sess-x", None), ("POST", "/v1/requests/chatcmpl-x/cancel", None),
             ("GET", "/no/such/path", None)]
    headers = {"Authorization": authorization} if authorization else {}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for method, path, body in calls:
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"]["code"] == "invalid_token"
            assert response.headers["www-authenticate"] == "Bearer"
        assert client.get("/health", headers=headers).status_code == 200


@pytest.mark.timeout(120)
def test_greedy_over_http_equals_the_golden_tokens(server, greedy):
    question = {"messages": [{"role": "user", "content": "What is 2+2?"}], "temperature": 0,
                "max_tokens": len(greedy["generated_ids"])}
    with server.client() as client:
        plain = client.post("/v1/chat/completions", json=question)
        assert plain.status_code == 200, plain.text
        body = plain.json()
        with client.stream("POST", "/v1/chat/completions", json={**question, "stream": True}) as response:
            frames = data_frames(read_sse(response))
    choice = body["choices"][0]
    assert choice["token_ids"] == greedy["generated_ids"]
    assert choice["finish_reason"] == "length"
    assert body["usage"] == {"prompt_tokens": len(greedy["prompt_ids"]),
                             "completion_tokens": len(greedy["generated_ids"]),
                             "total_tokens": len(greedy["prompt_ids"]) + len(greedy["generated_ids"]),
                             "prompt_tokens_details": {"cached_tokens": 0}}
    deltas = [f["choices"][0]["delta"] for f in frames[:-1] if f["choices"] and f["choices"][0]["delta"]]
    assert sum((d["token_ids"] for d in deltas), []) == greedy["generated_ids"]
    assert "".join(d["content"] for d in deltas) == choice["message"]["content"]
    assert deltas[0]["role"] == "assistant"


@pytest.mark.timeout(120)
def test_lwm_input_with_the_same_ids_and_a_seed_is_reproducible(server, greedy):
    request = {"lwm_input": tokens(greedy["prompt_ids"]), "temperature": 0.8, "top_k": 40, "top_p": 0.9,
               "seed": 1234, "max_tokens": 16}
    with server.client() as client:
        first = client.post("/v1/chat/completions", json=request).json()["choices"][0]["token_ids"]
        second = client.post("/v1/chat/completions", json=request).json()["choices"][0]["token_ids"]
        greedy_ids = client.post("/v1/chat/completions", json={**request, "temperature": 0}).json()
    assert first == second and len(first) == 16
    assert greedy_ids["choices"][0]["token_ids"] == greedy["generated_ids"][:16]


@pytest.mark.timeout(120)
def test_stream_reports_monotonic_progress_with_pings_and_ends_with_done(server, long_ids):
    request = {"lwm_input": tokens(long_ids), "temperature": 0, "max_tokens": 4, "stream": True}
    with server.client() as client:
        with client.stream("POST", "/v1/chat/completions", json=request) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = read_sse(response)
    frames = data_frames(events)
    first = frames[0]
    assert first["id"] == response.headers["x-request-id"]
    assert first["prompt_progress"]["phase"] == "queued" and first["prompt_progress"]["processed"] == 0
    assert_progress_well_formed(frames)
    progress = [f["prompt_progress"] for f in frames if "prompt_progress" in f]
    assert progress[-1]["processed"] == progress[-1]["total"] == len(long_ids)
    assert len(progress) >= 3, "a multi-second prefill should report progress more than once"
    assert any(kind == "ping" for kind, *_ in events), "no ': ping' during a prefill longer than the ping interval"
    assert frames[-1] == "[DONE]"
    usage = frames[-2]["usage"]
    assert frames[-2]["choices"] == [] and usage["prompt_tokens"] == len(long_ids)
    assert usage["completion_tokens"] == 4 and usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert frames[-3]["choices"][0]["finish_reason"] == "length"


@pytest.mark.timeout(120)
def test_session_reuse_prefills_only_new_tokens_and_matches_the_golden(server, greedy):
    document, question = greedy["prompt_ids"][:-4], greedy["prompt_ids"][-4:]
    answer = greedy["generated_ids"]
    with server.client() as client:
        created = client.post("/v1/sessions", json={"lwm_input": tokens(document)})
        assert created.status_code == 202, created.text
        session_id = created.json()["session_id"]
        try:
            frames = data_frames(wait_for_session(client, session_id))
            assert frames[-1] == "[DONE]" and frames[-2]["state"] == "ready"
            assert frames[-2]["tokens_in_cache"] == len(document)
            ask = {"session_id": session_id, "lwm_input": tokens(question), "temperature": 0,
                   "max_tokens": len(answer)}
            prefix = client.post("/v1/chat/completions", json={**ask, "session_keep": "prefix"}).json()
            assert prefix["choices"][0]["token_ids"] == answer
            assert prefix["usage"]["prompt_tokens_details"]["cached_tokens"] == len(document)
            assert prefix["usage"]["prompt_tokens"] == len(greedy["prompt_ids"])
            assert client.get(f"/v1/sessions/{session_id}").json()["tokens_in_cache"] == len(document)

            kept = client.post("/v1/chat/completions", json=ask, headers={"X-Session-Id": session_id}).json()
            assert kept["choices"][0]["token_ids"] == answer
            state = client.get(f"/v1/sessions/{session_id}").json()
            # The last answer token is fed with the next request, so it is not in the cache yet.
            assert state["tokens_in_cache"] == len(greedy["prompt_ids"]) + len(answer) - 1
            assert state["kv_bytes"] > 0 and state["devices"] == 4 and state["state"] == "ready"
            # No capacity asked: document + headroom, rounded up to a power of two.
            assert state["capacity"] == 1024 >= len(document) + HEADROOM

            follow_up = client.post("/v1/chat/completions",
                                    json={**ask, "max_tokens": 1, "session_keep": "prefix"}).json()
            assert follow_up["usage"]["prompt_tokens_details"]["cached_tokens"] == state["tokens_in_cache"]
            assert follow_up["usage"]["prompt_tokens"] == state["tokens_in_cache"] + 1 + len(question)
        finally:
            assert client.delete(f"/v1/sessions/{session_id}").status_code == 204
        assert client.delete(f"/v1/sessions/{session_id}").status_code == 204
        assert client.get(f"/v1/sessions/{session_id}").status_code == 404
        gone = client.post("/v1/chat/completions", json={"session_id": session_id, "lwm_input": tokens(question)})
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "session_not_found"


@pytest.mark.timeout(120)
def test_messages_on_a_session_continue_the_open_user_turn(server):
    with server.client() as client:
        created = client.post("/v1/sessions", json={"messages": [{"role": "user", "content": "Some document."}]})
        session_id = created.json()["session_id"]
        try:
            wait_for_session(client, session_id)
            cached = client.get(f"/v1/sessions/{session_id}").json()["tokens_in_cache"]
            answer = client.post("/v1/chat/completions", json={
                "session_id": session_id, "messages": [{"role": "user", "content": "What is it?"}],
                "temperature": 0, "max_tokens": 3, "session_keep": "prefix"}).json()
            assert answer["usage"]["prompt_tokens_details"]["cached_tokens"] == cached > 0
            assert answer["usage"]["completion_tokens"] == 3
        finally:
            client.delete(f"/v1/sessions/{session_id}")


@pytest.mark.timeout(180)
def test_cancelled_session_prefill_keeps_its_prefix_and_can_be_resumed(server, long_ids):
    with server.client() as client:
        created = client.post("/v1/sessions", json={"lwm_input": tokens(long_ids)}).json()
        session_id, request_id = created["session_id"], created["request_id"]
        bound = {}

        def cancel_once_prefilling(event):
            frame = event[1]
            if event[0] == "data" and isinstance(frame, dict) and not bound and \
                    frame.get("prompt_progress", {}).get("processed", 0) > 0:
                assert client.post(f"/v1/requests/{request_id}/cancel").status_code == 202
                # Read after the cancel was accepted: at most one more chunk may complete.
                bound["tokens"] = client.get(f"/v1/sessions/{session_id}").json()["tokens_in_cache"] + CHUNK

        try:
            with client.stream("GET", f"/v1/sessions/{session_id}/events") as response:
                frames = data_frames(read_sse(response, cancel_once_prefilling))
            assert bound, "the prefill finished before any progress frame: make the prompt longer"
            assert_progress_well_formed(frames)
            assert frames[-1] == "[DONE]" and frames[-2]["state"] == "cancelled"
            state = client.get(f"/v1/sessions/{session_id}").json()
            kept = state["tokens_in_cache"]
            assert state["state"] == "cancelled" and state["cache"] == kept
            assert 0 < kept < len(long_ids) and kept <= bound["tokens"]
            assert kept % CHUNK == 0, "a cancelled prefill keeps whole chunks"
            assert client.post(f"/v1/requests/{request_id}/cancel").status_code == 409
            assert client.post("/v1/requests/prefill-unknown/cancel").status_code == 404

            resumed = client.post("/v1/chat/completions", json={
                "session_id": session_id, "lwm_input": tokens(long_ids[kept:]), "max_tokens": 0}).json()
            assert resumed["usage"]["prompt_tokens_details"]["cached_tokens"] == kept
            assert resumed["usage"]["completion_tokens"] == 0
            state = client.get(f"/v1/sessions/{session_id}").json()
            assert state["state"] == "ready" and state["tokens_in_cache"] == len(long_ids)

            too_long = client.post("/v1/chat/completions", json={
                "session_id": session_id, "lwm_input": tokens([5]), "max_tokens": MAX_CONTEXT - len(long_ids)})
            assert too_long.status_code == 400
            assert too_long.json()["error"]["code"] == "context_length_exceeded"
        finally:
            assert client.delete(f"/v1/sessions/{session_id}").status_code == 204
        assert client.get(f"/v1/sessions/{session_id}").status_code == 404


@pytest.mark.timeout(120)
def test_cancel_stops_a_chat_in_prefill_and_in_decode(server, long_ids, greedy):
    with server.client() as client:
        for request, trigger in (
                ({"lwm_input": tokens(long_ids), "max_tokens": 4}, "prompt_progress"),
                ({"lwm_input": tokens(greedy["prompt_ids"]), "max_tokens": 1000, "temperature": 0}, "content")):
            sent = {}

            def cancel_on(event, trigger=trigger):
                frame = event[1]
                if event[0] != "data" or not isinstance(frame, dict) or sent:
                    return
                started = (trigger == "prompt_progress" and frame.get("prompt_progress", {}).get("processed", 0) > 0) \
                    or (trigger == "content" and frame["choices"])
                if started:
                    sent["status"] = client.post(f"/v1/requests/{frame['id']}/cancel").status_code
                    sent["at"] = time.monotonic()

            with client.stream("POST", "/v1/chat/completions", json={**request, "stream": True}) as response:
                events = read_sse(response, cancel_on)
            frames = data_frames(events)
            assert sent["status"] == 202
            assert frames[-1] == "[DONE]" and frames[-3]["choices"][0]["finish_reason"] == "cancelled"
            assert events[-1][2] - sent["at"] < 5, "the stream did not end soon after the cancel"
            usage = frames[-2]["usage"]
            assert usage["completion_tokens"] < request["max_tokens"]
            request_id = response.headers["x-request-id"]
            assert client.post(f"/v1/requests/{request_id}/cancel").status_code == 409


@pytest.mark.timeout(120)
def test_cancel_of_a_queued_request_is_reported_at_once(server, long_ids, greedy):
    with server.client() as client:
        busy = client.post("/v1/sessions", json={"lwm_input": tokens(long_ids)}).json()["session_id"]
        try:
            def cancel_first(event):
                if event[0] == "data" and isinstance(event[1], dict) and "prompt_progress" in event[1]:
                    if event[1]["prompt_progress"]["phase"] == "queued":
                        assert client.post(f"/v1/requests/{event[1]['id']}/cancel").status_code == 202

            request = {"lwm_input": tokens(greedy["prompt_ids"]), "max_tokens": 4, "stream": True}
            with client.stream("POST", "/v1/chat/completions", json=request) as response:
                frames = data_frames(read_sse(response, cancel_first))
            assert frames[-3]["choices"][0]["finish_reason"] == "cancelled"
            assert frames[-2]["usage"]["completion_tokens"] == 0 and frames[-1] == "[DONE]"
            assert client.get(f"/v1/sessions/{busy}").json()["state"] in ("queued", "prefilling"), \
                "the cancel was only reported after the request ahead of it finished"
        finally:
            client.delete(f"/v1/sessions/{busy}")


@pytest.mark.timeout(60)
def test_over_long_prompts_are_refused_before_any_prefill(server):
    with server.client() as client:
        started = time.monotonic()
        over = client.post("/v1/chat/completions", json={"lwm_input": tokens([5] * (MAX_CONTEXT + 1)), "stream": True})
        with_answer = client.post("/v1/chat/completions",
                                  json={"lwm_input": tokens([5] * 4000), "max_tokens": 200})
        session = client.post("/v1/sessions", json={"lwm_input": tokens([5] * (MAX_CONTEXT + 1))})
        small = client.post("/v1/sessions", json={"lwm_input": tokens([5] * 100), "capacity": 64})
        elapsed = time.monotonic() - started
    for response in (over, with_answer, session, small):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["code"] == "context_length_exceeded"
    assert elapsed < 5


@pytest.mark.timeout(60)
def test_bad_input_gets_clear_400s_and_404s(server):
    with server.client() as client:
        cases = [
            (client.post("/v1/chat/completions", content=b"{not json"), 400, "invalid_request"),
            (client.post("/v1/chat/completions", json=[1]), 400, "invalid_request"),
            (client.post("/v1/chat/completions", json={"lwm_input": [{"type": "pixels"}]}), 400, "invalid_request"),
            (client.post("/v1/chat/completions", json={"lwm_input": tokens([512])}), 400, "invalid_request"),
            (client.post("/v1/chat/completions", json={"lwm_input": [{"type": "vision_codes", "frames": [[0] * 256]}]}),
             400, "vision_not_supported"),
            (client.post("/v1/vqgan/encode", json={"frames": ["AAAA"]}), 400, "vqgan_not_available"),
            (client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}],
                                                       "temperature": -1}), 400, "invalid_request"),
            (client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": [1]}]}),
             400, "invalid_request"),
            (client.post("/v1/chat/completions", json={"model": "other", "messages": []}), 404, "model_not_found"),
            (client.get("/v1/sessions/sess-unknown"), 404, "session_not_found"),
        ]
        assert client.delete("/v1/sessions/sess-unknown").status_code == 204
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code, response.text
        assert response.json()["error"]["message"]


@pytest.mark.timeout(60)
def test_bodies_over_the_limit_get_413(server):
    big = b'{"messages": "' + b"x" * MAX_BODY + b'"}'
    with server.client() as client:
        declared = client.post("/v1/chat/completions", content=big, headers={"content-type": "application/json"})
        chunked = client.post("/v1/chat/completions", content=iter([big[:MAX_BODY // 2], big[MAX_BODY // 2:]]))
    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "body_too_large"


@pytest.mark.timeout(60)
def test_an_unused_session_expires_after_its_ttl(server):
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"lwm_input": tokens([1, 5, 6, 7]), "ttl_s": 1}).json()["session_id"]
        wait_for_session(client, session_id)
        expires_at = client.get(f"/v1/sessions/{session_id}").json()["expires_at"]
        assert expires_at <= time.time() + 2
        time.sleep(2.5)
        assert client.get(f"/v1/sessions/{session_id}").status_code == 404


@pytest.mark.timeout(60)
def test_sessions_over_the_kv_budget_get_429_until_one_is_deleted(server):
    with server.client() as client:
        full = {"capacity": MAX_CONTEXT}
        first = client.post("/v1/sessions", json={"lwm_input": tokens([1, 5, 6]), **full}).json()["session_id"]
        second = client.post("/v1/sessions", json={"lwm_input": tokens([1, 5, 7]), **full}).json()["session_id"]
        third = None
        try:
            refused = client.post("/v1/sessions", json={"lwm_input": tokens([1, 5, 8]), **full})
            assert refused.status_code == 429 and refused.headers["retry-after"].isdigit()
            assert refused.json()["error"]["code"] == "kv_budget_exceeded"
            client.delete(f"/v1/sessions/{first}")
            deadline = time.monotonic() + 20
            while third is None and time.monotonic() < deadline:
                response = client.post("/v1/sessions", json={"lwm_input": tokens([1, 5, 8]), **full})
                if response.status_code == 202:
                    third = response.json()["session_id"]
                else:
                    time.sleep(0.2)
            assert third is not None, "deleting a session did not give its KV budget back"
        finally:
            for session_id in (first, second, third):
                if session_id:
                    client.delete(f"/v1/sessions/{session_id}")


@pytest.mark.timeout(60)
def test_the_token_never_appears_in_the_log(server):
    from server_process import TOKEN

    assert TOKEN not in server.log_text()


@pytest.mark.timeout(120)
def test_tls_when_given_a_certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a test certificate: {made.stderr.decode(errors='replace')}")
    process = ServerProcess("--model", str(fixture_dir(MODEL)), "--devices", "1", "--port", "0",
                            "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        assert process.url.startswith("https://127.0.0.1:")
        with httpx.Client(base_url=process.url, verify=ssl.create_default_context(cafile=str(cert)), timeout=30) as client:
            assert client.get("/health").json() == {"status": "ok"}
            assert client.get("/v1/models").status_code == 401
    finally:
        process.stop()
