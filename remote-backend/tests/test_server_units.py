"""The server's host-side pieces without a server: LWM's prompt layouts, lwm_input validation,
incremental detokenizing, sampling, and the multi-host control channel's framing."""
from __future__ import annotations

import socket

import numpy as np
import pytest

from lwm_backend import multihost
from lwm_backend.prompt import (END_OF_FRAME, END_OF_VISION, EOS_ID, IncrementalDecoder, PromptError, SessionTail,
                                Tokenizer, expand_vision, parse_lwm_input, parse_messages, render_continuation,
                                render_conversation)
from lwm_backend.sampling import Sampler, SamplingParams, warped_probabilities
from server_process import fixture_dir, golden

MODEL = "fixtures/models/s2x64/hf-f32"


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer.from_model_dir(fixture_dir(MODEL))


def test_messages_follow_lwms_text_chat_layout(tokenizer):
    greedy = golden("fixtures/models/s2x64/golden.json")["greedy"]
    messages = parse_messages([{"role": "user", "content": "What is 2+2?"}])
    assert render_conversation(tokenizer, messages, leave_user_open=False) == greedy["prompt_ids"]
    assert greedy["prompt_text"] == "You are a helpful assistant. USER: What is 2+2? ASSISTANT:"


def test_history_is_eos_separated_and_sessions_continue_their_turn(tokenizer):
    history = parse_messages([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                              {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"}])
    ids = render_conversation(tokenizer, history, leave_user_open=False)
    first = tokenizer.encode("Be brief. USER: Hi ASSISTANT: Hello")
    assert ids == [1] + first + [EOS_ID] + tokenizer.encode("USER: Bye ASSISTANT:")
    question = parse_messages([{"role": "user", "content": "Why?"}])
    assert render_continuation(tokenizer, question, SessionTail(True, 5)) == tokenizer.encode("Why? ASSISTANT:")
    assert render_continuation(tokenizer, question, SessionTail(False, 5))[0] == EOS_ID
    assert render_continuation(tokenizer, question, SessionTail(False, EOS_ID))[0] != EOS_ID
    with pytest.raises(PromptError, match="alternate"):
        render_conversation(tokenizer, parse_messages([{"role": "user", "content": "a"},
                                                       {"role": "user", "content": "b"}]), False)


def test_vision_segments_expand_to_lwms_frame_layout():
    codes = np.arange(3 * 256).reshape(3, 256) % 8192
    laid_out = expand_vision(codes).reshape(3, 257)
    assert (laid_out[:, :256] == codes).all()
    assert laid_out[:, 256].tolist() == [END_OF_FRAME, END_OF_FRAME, END_OF_VISION]
    segments = parse_lwm_input([{"type": "tokens", "ids": [1, 2]}, {"type": "vision_codes", "frames": codes.tolist()}],
                               vocab_size=512, vision=True, vqgan=False)
    assert [s.positions for s in segments] == [2, 3 * 257]


@pytest.mark.parametrize("segment, vision, vqgan, code", [
    ({"type": "vision_codes", "frames": [[0] * 256]}, False, False, "vision_not_supported"),
    ({"type": "vision_frames", "frames": ["AAAA"]}, True, False, "vqgan_not_available"),
    ({"type": "tokens", "ids": [1.5]}, False, False, "invalid_request"),
    ({"type": "tokens", "ids": []}, False, False, "invalid_request"),
    ({"type": "tokens", "ids": [-1]}, False, False, "invalid_request"),
    ({"type": "vision_frames", "frames": ["not base64!"]}, True, True, "invalid_request"),
])
def test_bad_segments_are_refused_with_their_code(segment, vision, vqgan, code):
    with pytest.raises(PromptError) as refused:
        parse_lwm_input([segment], vocab_size=512, vision=vision, vqgan=vqgan)
    assert refused.value.code == code


def test_incremental_decoding_never_splits_a_character(tokenizer):
    text = "héllo € 😀 ok, Grüße"
    ids = tokenizer.encode(text)
    decoder = IncrementalDecoder(tokenizer)
    deltas = [decoder.add(i) for i in ids] + [decoder.flush()]
    assert "".join(deltas) == tokenizer.decode(ids) == text
    assert not any(d.endswith("\ufffd") for d in deltas)


def test_sampling_is_greedy_at_zero_and_reproducible_with_a_seed():
    logits = np.random.default_rng(0).normal(size=512).astype(np.float32)
    assert Sampler(SamplingParams(temperature=0)).sample(logits) == int(np.argmax(logits))

    def draws(seed):
        sampler = Sampler(SamplingParams(temperature=1.5, top_k=100, top_p=0.95, seed=seed))
        return [sampler.sample(logits) for _ in range(20)]

    assert draws(42) == draws(42)
    assert draws(42) != draws(43)


def test_top_k_and_top_p_cut_the_distribution():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    assert np.count_nonzero(warped_probabilities(logits, SamplingParams(top_k=2))) == 2
    kept = warped_probabilities(logits, SamplingParams(top_p=0.75))
    assert np.count_nonzero(kept) == 2 and kept.sum() == pytest.approx(1)
    assert np.count_nonzero(warped_probabilities(logits, SamplingParams(top_p=0.85))) == 3
    with pytest.raises(ValueError):
        SamplingParams(top_p=0)


def test_control_messages_round_trip_arrays_without_pickle():
    left, right = socket.socketpair()
    ids = np.array([1, 2, 70000, -3], dtype="<i4")
    mask = np.array([True, False, True, True, False, False, False, False, True])
    with left, right:
        multihost._send(left, {"op": "prefill", "ids": multihost._array_to_text(ids),
                               "vision": multihost._array_to_text(np.packbits(mask))})
        message = multihost._recv(right)
    assert (multihost._array_from_text(message["ids"], "<i4", (4,)) == ids).all()
    unpacked = np.unpackbits(multihost._array_from_text(message["vision"], np.uint8, (-1,)))[:len(mask)]
    assert (unpacked.astype(bool) == mask).all()
