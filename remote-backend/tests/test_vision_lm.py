"""The vision-language path of LwmEngine against test/VISION_FIXTURES.md: mixed text/vision sequences give the
reference's logits (both heads, every position) and its greedy answers, with the sequence unsharded (sp=1) and
ring-sharded over 4 devices (sp=4; tests/conftest.py simulates 8 CPU devices).

Fixtures: $LWM_FIXTURES_ROOT/vision-fixtures (default <repo>/test/target); the tests skip when they are absent.
"""

from __future__ import annotations

import json
import os
import pathlib

import jax
import numpy as np
import pytest

from lwm_backend.engine import LwmEngine

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(os.environ.get("LWM_FIXTURES_ROOT", REPO / "test" / "target")) / "vision-fixtures"
TOLERANCE = 1e-4
SEQUENCES = ("image", "video3", "two_attachments")


def golden() -> dict:
    path = FIXTURES / "golden.json"
    if not path.is_file():
        pytest.skip(f"no vision fixtures at {FIXTURES} (make them with test/scripts/make_vision_fixtures.py)")
    return json.loads(path.read_text())


def reference_logits(sequence: dict, head: str) -> np.ndarray:
    shape = sequence["logits_shape"][head]
    return np.fromfile(FIXTURES / sequence[f"{head}_logits"], dtype=np.float32).reshape(shape)


@pytest.fixture(scope="module", params=[1, 4], ids=["sp1", "sp4"])
def engine(request) -> LwmEngine:
    sp = request.param
    model_dir = FIXTURES / golden()["models"]["jax"]
    if jax.device_count() % sp:
        pytest.skip(f"sp={sp} needs a multiple of {sp} devices, have {jax.device_count()}")
    # The mesh must cover every device: the rest shard the weights (fsdp).
    engine = LwmEngine.load(model_dir, mesh=f"1,-1,1,{sp}", dtype="f32")
    assert engine.mesh["sp"] == sp and engine.vision_vocab_size == 8448 and not engine.has_vqgan
    return engine


def find(name: str) -> dict:
    return next(s for s in golden()["sequences"] if s["name"] == name)


def max_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)))


@pytest.mark.parametrize("name", SEQUENCES)
def test_logits_at_every_position(engine: LwmEngine, name: str) -> None:
    """Both heads at every position of one whole-sequence chunk (the engine's parity view)."""
    sequence = find(name)
    ids, mask = np.array(sequence["ids"], np.int32), np.array(sequence["vision_mask"])
    cache = engine.new_cache(len(ids))
    text, vision = engine.logits_at(cache, ids, mask, np.arange(len(ids)))
    engine.free(cache)
    text_error = max_error(text, reference_logits(sequence, "text"))
    vision_error = max_error(vision, reference_logits(sequence, "vision"))
    print(f"{name} sp={engine.mesh['sp']}: {len(ids)} positions, text max error {text_error:.3g}, "
          f"vision max error {vision_error:.3g}")
    assert text_error <= TOLERANCE and vision_error <= TOLERANCE


@pytest.mark.parametrize("name", SEQUENCES)
def test_chunked_prefill_and_greedy_answer(engine: LwmEngine, name: str) -> None:
    """The serving path: prefill in three calls (ending at the last text token before the first attachment, inside
    its first frame, at the prompt's end), then 32 greedy text tokens fed back one at a time."""
    sequence = find(name)
    ids, mask = np.array(sequence["ids"], np.int32), np.array(sequence["vision_mask"])
    text_ref, vision_ref = reference_logits(sequence, "text"), reference_logits(sequence, "vision")
    answer = sequence["answer"]["generated_ids"]
    cache = engine.new_cache(len(ids) + len(answer))
    first = sequence["attachment_starts"][0]
    bounds = [0, first, first + 100, len(ids)]
    errors = []
    for start, end in zip(bounds, bounds[1:]):
        logits = engine.prefill(cache, ids[start:end], mask[start:end])
        errors += [max_error(logits.text, text_ref[end - 1]), max_error(logits.vision, vision_ref[end - 1])]
    assert cache.length == len(ids)
    generated = []
    for _ in answer:
        generated.append(int(np.argmax(logits.text)))
        logits = engine.decode(cache, generated[-1], is_vision=False)
    engine.free(cache)
    matching = sum(a == b for a, b in zip(generated, answer))
    print(f"{name} sp={engine.mesh['sp']}: prefill logits max error {max(errors):.3g}, "
          f"{matching}/{len(answer)} answer tokens equal")
    assert max(errors) <= TOLERANCE
    assert generated == answer


def test_greedy_vision_tokens(engine: LwmEngine) -> None:
    """Sample mode 'vision': a text prompt, then 24 greedy vision-head tokens fed back through vte."""
    case = golden()["vision_decode"]
    prompt = np.array(case["prompt_ids"], np.int32)
    cache = engine.new_cache(len(prompt) + len(case["generated_ids"]))
    logits = engine.prefill(cache, prompt, np.zeros(len(prompt), bool))
    generated = []
    for _ in case["generated_ids"]:
        generated.append(int(np.argmax(logits.vision)))
        logits = engine.decode(cache, generated[-1], is_vision=True)
    engine.free(cache)
    assert generated == case["generated_ids"]


def test_engine_encodes_frames_with_the_model_vqgan(tmp_path: pathlib.Path) -> None:
    """encode_frames uses the model directory's `vqgan` file: here the vision fixture model plus the small VQGAN
    fixture, whose golden codes the engine must reproduce."""
    vqgan_dir = FIXTURES.parent / "vqgan-fixtures" / "small"
    if not (vqgan_dir / "golden.json").is_file():
        pytest.skip(f"no VQGAN fixtures at {vqgan_dir}")
    model_dir = FIXTURES / golden()["models"]["jax"]
    for entry in model_dir.iterdir():
        (tmp_path / entry.name).symlink_to(entry)
    (tmp_path / "vqgan").symlink_to(vqgan_dir / "vqgan")
    engine = LwmEngine.load(tmp_path, mesh="1,-1,1,1", dtype="f32")
    assert engine.has_vqgan
    meta = json.loads((vqgan_dir / "golden.json").read_text())
    frames = np.fromfile(vqgan_dir / "frames.u8", np.uint8).reshape(meta["files"]["frames.u8"])[:2]
    expected = np.fromfile(vqgan_dir / "codes.i32", np.int32).reshape(meta["frames"], -1)[:2]
    np.testing.assert_array_equal(engine.encode_frames(frames), expected)
