"""LwmEngine behaviour: chunked prefill, progress, cancellation, truncation, errors, memory scaling."""
import os

import numpy as np
import pytest

from conftest import engine, fixture_dir
from lwm_backend.engine import Cancelled

pytestmark = pytest.mark.timeout(300)


def text_model():
    return os.path.join(fixture_dir("fixtures", "models", "s2x64"), "jax")


def prompt(n, seed=0):
    return np.random.default_rng(seed).integers(3, 512, n).astype(np.int32)


def one_shot(ids):
    eng = engine(text_model(), sp=8, chunk_size=2048)
    cache = eng.new_cache(len(ids) + 16)
    return eng, cache, eng.prefill(cache, ids, None)


def test_chunked_prefill_equals_one_shot_with_progress():
    ids = prompt(1500)
    _, _, ref = one_shot(ids)
    eng = engine(text_model(), sp=8, chunk_size=256)  # ring chunks; the 40 and 1 go the merged way
    for pieces in ([1500], [700, 40, 1, 759]):
        cache = eng.new_cache(1600)
        progress, start = [], 0
        for size in pieces:
            logits = eng.prefill(cache, ids[start:start + size], None,
                                 on_progress=lambda done, total: progress.append((done, total)))
            start += size
        assert cache.length == 1500
        np.testing.assert_allclose(logits.text, ref.text, atol=2e-5, rtol=0)
        assert logits.vision is None
        if pieces == [1500]:
            assert progress == [(min(256 * (i + 1), 1500), 1500) for i in range(6)]
        eng.free(cache)


def test_cancel_keeps_the_processed_prefix_and_resumes():
    ids = prompt(1000, seed=1)
    _, _, ref = one_shot(ids)
    eng = engine(text_model(), sp=8, chunk_size=256)
    cache = eng.new_cache(1000)
    seen = []
    with pytest.raises(Cancelled):
        eng.prefill(cache, ids, None, on_progress=lambda d, t: seen.append(d), should_cancel=lambda: len(seen) >= 2)
    assert seen == [256, 512] and cache.length == 512
    logits = eng.prefill(cache, ids[512:], None)
    np.testing.assert_allclose(logits.text, ref.text, atol=2e-5, rtol=0)


def test_decode_and_truncate():
    ids = prompt(300, seed=2)
    eng, cache, logits = one_shot(ids)
    first = eng.decode(cache, 7, False)
    eng.decode(cache, 9, False)
    eng.decode(cache, 11, False)
    assert cache.length == 303
    eng.truncate(cache, 300)
    again = eng.decode(cache, 7, False)
    np.testing.assert_allclose(again.text, first.text, atol=1e-6, rtol=0)
    _, _, ref = one_shot(np.concatenate([ids, [7]]).astype(np.int32))
    np.testing.assert_allclose(again.text, ref.text, atol=2e-5, rtol=0)
    with pytest.raises(ValueError, match="holds"):
        eng.truncate(cache, 400)


def test_errors_and_free():
    eng, cache, _ = one_shot(prompt(100, seed=3))
    assert eng.kv_bytes_per_token == 2 * 2 * 64 * 4 and eng.vision_vocab_size is None
    assert not eng.has_vqgan and eng.vqgan_sha256 is None
    assert eng.mesh == {"dp": 1, "fsdp": 1, "tp": 1, "sp": 8} and eng.devices == 8
    with pytest.raises(ValueError, match="capacity"):
        eng.prefill(cache, prompt(17), None)
    with pytest.raises(ValueError, match="text model"):
        eng.prefill(cache, prompt(2), np.array([True, False]))
    with pytest.raises(ValueError, match="outside the text vocabulary"):
        eng.decode(cache, 512, False)
    with pytest.raises(ValueError, match="capacity"):
        eng.new_cache(eng.max_context + 1)
    assert cache.kv_bytes > 0 and cache.length == 100
    eng.free(cache)
    assert cache.kv_bytes == 0
    with pytest.raises(ValueError, match="freed"):
        eng.decode(cache, 5, False)


def test_per_device_memory_falls_with_sp():
    """XLA's compiled memory analysis of one 4096-token prefill step, per device, for sp = 1, 2, 4, 8."""
    ids = prompt(4096, seed=4)
    memory = {}
    for sp in (1, 2, 4, 8):
        eng = engine(text_model(), sp=sp, chunk_size=4096, q_chunk=64, k_chunk=64)
        cache = eng.new_cache(4096)
        memory[sp] = eng.step_memory(cache, ids)
        eng.free(cache)
    print("per-device bytes:", memory)
    assert memory[1] > memory[2] > memory[4] > memory[8]
    assert memory[8] < memory[1] / 4


def test_bf16_engine_tracks_the_f32_golden():
    """--dtype bf16 (weights, activations and cache in bf16; logits, norms and softmax in F32)."""
    import json

    root = fixture_dir("fixtures", "models", "s2x64")
    with open(os.path.join(root, "golden.json")) as f:
        case = next(c for c in json.load(f)["cases"] if c["name"] == "len17")
    ref = np.fromfile(os.path.join(root, case["logits"]), np.float32).reshape(case["logits_shape"])
    eng = engine(text_model(), sp=8, dtype="bf16")
    cache = eng.new_cache(17)
    got, _ = eng.logits_at(cache, np.array(case["prompt_ids"]), None, case["positions"])
    eng.free(cache)
    assert np.isfinite(got).all()
    assert np.abs(got - ref).max() < 0.25 * np.abs(ref).max()
    assert (got.argmax(axis=1) == ref.argmax(axis=1)).mean() >= 0.8
