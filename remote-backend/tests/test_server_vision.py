"""Vision input over HTTP: `lwm_input` vision segments expand to LWM's layout (codes, 8192 between frames,
8193 after the last) and the greedy answers equal the golden ones, for text answers about images and
videos and for vision-head generation (`modality: vision`). Real engine, tiny vision fixture model."""
from __future__ import annotations

import base64

import numpy as np
import pytest

from server_process import ServerProcess, data_frames, fixture_dir, golden, read_sse

MODEL = "vision-fixtures/jax"
GOLDEN = "vision-fixtures/golden.json"
VQGAN = "vqgan-fixtures/small"


@pytest.fixture(scope="module")
def model_with_vqgan(tmp_path_factory):
    """The vision fixture model plus the small fixture VQGAN as its `vqgan` file (links, no copies)."""
    directory = tmp_path_factory.mktemp("vision-model")
    for source in fixture_dir(MODEL).iterdir():
        (directory / source.name).symlink_to(source)
    (directory / "vqgan").symlink_to(fixture_dir(VQGAN) / "vqgan")
    return directory


@pytest.fixture(scope="module")
def server(model_with_vqgan):
    process = ServerProcess("--model", str(model_with_vqgan), "--model-id", "vision-tiny", "--devices", "2",
                            "--port", "0", "--chunk-size", "256", "--progress-interval", "0")
    yield process
    process.stop()


def segments_of(ids: list[int], vision_mask: list[bool]) -> list[dict]:
    """The lwm_input a client sends for a laid-out sequence: text runs as tokens, each vision run
    (frames of 256 codes plus a delimiter) as vision_codes."""
    segments, start = [], 0
    for end in range(1, len(ids) + 1):
        if end < len(ids) and vision_mask[end] == vision_mask[start]:
            continue
        run = np.asarray(ids[start:end])
        if vision_mask[start]:
            frames = run.reshape(-1, 257)
            assert frames[-1, 256] == 8193 and (frames[:-1, 256] == 8192).all()
            segments.append({"type": "vision_codes", "frames": frames[:, :256].tolist()})
        else:
            segments.append({"type": "tokens", "ids": run.tolist()})
        start = end
    return segments


@pytest.mark.timeout(300)
def test_vision_chat_answers_equal_the_golden(server):
    sequences = golden(GOLDEN)["sequences"]
    with server.client() as client:
        model = client.get("/v1/models").json()["data"][0]
        assert model["modalities"] == ["text", "vision"] and model["vision_vocab_size"] == 8448
        for sequence in sequences:
            answer = sequence["answer"]["generated_ids"]
            response = client.post("/v1/chat/completions", json={
                "lwm_input": segments_of(sequence["ids"], sequence["vision_mask"]), "temperature": 0,
                "max_tokens": len(answer)})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["usage"]["prompt_tokens"] == len(sequence["ids"]), sequence["name"]
            assert body["choices"][0]["token_ids"] == answer, sequence["name"]


@pytest.mark.timeout(120)
def test_vision_generation_uses_the_vision_head(server):
    case = golden(GOLDEN)["vision_decode"]
    with server.client() as client:
        body = client.post("/v1/chat/completions", json={
            "lwm_input": [{"type": "tokens", "ids": case["prompt_ids"]}], "modality": "vision", "temperature": 0,
            "max_tokens": len(case["generated_ids"])}).json()
    assert body["choices"][0]["token_ids"] == case["generated_ids"]
    assert body["choices"][0]["message"]["content"] == ""


@pytest.mark.timeout(180)
def test_uploaded_frames_are_encoded_by_the_server_vqgan(server):
    frames = np.fromfile(fixture_dir(VQGAN) / "frames.u8", dtype=np.uint8).reshape(-1, 256, 256, 3)
    codes = np.fromfile(fixture_dir(VQGAN) / "codes.i32", dtype=np.int32).reshape(len(frames), 256)
    question = [{"type": "tokens", "ids": [1, 324, 303, 260]}]
    closing = [{"type": "tokens", "ids": [444, 332]}]
    uploaded = {"type": "vision_frames", "frames": [base64.b64encode(f.tobytes()).decode() for f in frames]}
    known = {"type": "vision_codes", "frames": codes.tolist()}
    request = {"temperature": 0, "max_tokens": 8}
    with server.client() as client:
        model = client.get("/v1/models").json()["data"][0]
        assert model["vqgan"] is True and model["id"] == "vision-tiny"
        with client.stream("POST", "/v1/chat/completions",
                           json={**request, "lwm_input": question + [uploaded] + closing, "stream": True}) as response:
            frames_stream = data_frames(read_sse(response))
        from_codes = client.post("/v1/chat/completions", json={**request, "lwm_input": question + [known] + closing})
    phases = [f["prompt_progress"]["phase"] for f in frames_stream[:-1] if "prompt_progress" in f]
    assert "encode" in phases and phases.index("encode") < phases.index("prefill")
    streamed = sum((f["choices"][0]["delta"].get("token_ids", []) for f in frames_stream[:-1] if f["choices"]), [])
    assert streamed == from_codes.json()["choices"][0]["token_ids"]
    assert frames_stream[-2]["usage"]["prompt_tokens"] == 6 + len(frames) * 257


@pytest.mark.timeout(60)
def test_malformed_vision_segments_get_400(server):
    with server.client() as client:
        frames = client.post("/v1/chat/completions", json={
            "lwm_input": [{"type": "vision_frames", "frames": ["AAAA"]}]})
        codes = client.post("/v1/chat/completions", json={
            "lwm_input": [{"type": "vision_codes", "frames": [[8192] * 256]}]})
        short = client.post("/v1/chat/completions", json={
            "lwm_input": [{"type": "vision_codes", "frames": [[1] * 255]}]})
    assert frames.status_code == 400 and "196608 bytes" in frames.json()["error"]["message"]
    assert codes.status_code == 400 and "8192" in codes.json()["error"]["message"]
    assert short.status_code == 400 and "256" in short.json()["error"]["message"]


@pytest.mark.timeout(120)
def test_the_encode_endpoint_returns_the_golden_codes_and_the_weights_hash(server, model_with_vqgan):
    import hashlib

    frames = np.fromfile(fixture_dir(VQGAN) / "frames.u8", dtype=np.uint8).reshape(-1, 256, 256, 3)
    codes = np.fromfile(fixture_dir(VQGAN) / "codes.i32", dtype=np.int32).reshape(len(frames), 256)
    sha = hashlib.sha256((model_with_vqgan / "vqgan").read_bytes()).hexdigest()
    with server.client() as client:
        assert client.get("/v1/models").json()["data"][0]["vqgan_sha256"] == sha
        response = client.post("/v1/vqgan/encode",
                               json={"frames": [base64.b64encode(f.tobytes()).decode() for f in frames]})
        too_many = client.post("/v1/vqgan/encode", json={"frames": ["AAAA"] * 65})
        malformed = client.post("/v1/vqgan/encode", json={"frames": ["AAAA"]})
    assert response.status_code == 200, response.text
    assert response.json()["vqgan_sha256"] == sha
    assert np.array_equal(np.asarray(response.json()["codes"]), codes)
    assert too_many.status_code == 400 and "at most 64" in too_many.json()["error"]["message"]
    assert malformed.status_code == 400 and "196608 bytes" in malformed.json()["error"]["message"]
