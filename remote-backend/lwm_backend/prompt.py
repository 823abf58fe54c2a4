"""Prompt input: LWM's chat layout for `messages`, exact segments for `lwm_input`, and detokenizing.

Layouts follow LWM (reference lwm.md §2.4-2.6): one BOS at the very start, the text between EOS tokens
encoded as one sentencepiece string without special tokens, and each vision frame laid out as its 256
codes followed by 8192 (end of frame) or, after a segment's last frame, 8193 (end of vision).
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BOS_ID = 1
EOS_ID = 2
CODES_PER_FRAME = 256
POSITIONS_PER_FRAME = CODES_PER_FRAME + 1
END_OF_FRAME = 8192
END_OF_VISION = 8193
VQ_CODEBOOK_SIZE = 8192
FRAME_SIDE = 256
FRAME_BYTES = FRAME_SIDE * FRAME_SIDE * 3
DEFAULT_SYSTEM = "You are a helpful assistant."


class PromptError(ValueError):
    """Bad prompt input; `code` is the protocol's error code (400)."""

    def __init__(self, message: str, code: str = "invalid_request"):
        super().__init__(message)
        self.code = code


class Tokenizer:
    """The model's sentencepiece tokenizer.model, used without special tokens (BOS/EOS added by layout)."""

    def __init__(self, model_file: Path):
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=str(model_file))

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> "Tokenizer | None":
        path = Path(model_dir) / "tokenizer.model"
        return cls(path) if path.is_file() else None

    def encode(self, text: str) -> list[int]:
        return list(self._sp.encode(text))

    def decode(self, ids: list[int]) -> str:
        return self._sp.decode(ids)


# ---------------------------------------------------------------- messages (LWM text chat layout)

@dataclass(frozen=True)
class Message:
    role: str
    content: str


def parse_messages(raw) -> list[Message]:
    if not isinstance(raw, list) or not raw:
        raise PromptError("messages must be a non-empty list")
    messages = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise PromptError(f"messages[{index}] must be an object")
        role, content = item.get("role"), item.get("content")
        if role not in ("system", "user", "assistant"):
            raise PromptError(f"messages[{index}].role must be system, user or assistant")
        if not isinstance(content, str):
            raise PromptError(f"messages[{index}].content must be a string (only text content is supported)")
        if role == "system" and index != 0:
            raise PromptError("only the first message may be a system message")
        messages.append(Message(role, content))
    return messages


@dataclass(frozen=True)
class SessionTail:
    """What the layout of appended turns depends on: how the session's tokens end."""
    open_user_turn: bool   # the session ends inside a user turn (a document awaiting its question)
    last_token: int | None


def render_conversation(tokenizer: Tokenizer, messages: list[Message], leave_user_open: bool) -> list[int]:
    """A whole conversation from the start: BOS, system prompt, turns.

    The last user message ends with ' ASSISTANT:' unless leave_user_open (a session document that later
    questions continue)."""
    system = DEFAULT_SYSTEM
    if messages[0].role == "system":
        system, messages = messages[0].content, messages[1:]
    if not messages:
        raise PromptError("messages must contain a user message")
    return [BOS_ID] + _render_turns(tokenizer, messages, system + " ", "user", leave_user_open)


def render_continuation(tokenizer: Tokenizer, messages: list[Message], tail: SessionTail) -> list[int]:
    """New turns appended to a session that already holds tokens (no BOS, no system prompt)."""
    if messages[0].role == "system":
        raise PromptError("a system message cannot be appended to a session")
    if tail.open_user_turn:
        if messages[0].role != "user":
            raise PromptError("the session ends in an open user turn: the next message must be a user message")
        first, rest = messages[0], messages[1:]
        return _render_turns(tokenizer, rest, f"{first.content} ASSISTANT:", "assistant", False)
    separator = [] if tail.last_token == EOS_ID else [EOS_ID]
    return separator + _render_turns(tokenizer, messages, "", "user", False)


def continuation_length_bound(tokenizer: Tokenizer, messages: list[Message]) -> int:
    """Upper bound of render_continuation's length whatever the session tail is (for admission checks)."""
    lengths = []
    for tail in (SessionTail(True, None), SessionTail(False, None)):
        try:
            lengths.append(len(render_continuation(tokenizer, messages, tail)))
        except PromptError:
            continue   # that tail cannot take these messages; the job reports it if it happens
    if not lengths:
        raise PromptError("messages must alternate user and assistant turns")
    return max(lengths)


def _render_turns(tokenizer, messages, text: str, expected_role: str, leave_user_open: bool) -> list[int]:
    """Turns as EOS-separated sentencepiece strings: '{text}USER: {u} ASSISTANT: {a}' EOS 'USER: ...'.

    `text` is the pending start of the first string; `expected_role` the role the next message must have."""
    ids: list[int] = []
    for index, message in enumerate(messages):
        if message.role != expected_role:
            raise PromptError(f"messages must alternate user and assistant turns (expected {expected_role} "
                              f"at position {index})")
        if message.role == "user":
            text += f"USER: {message.content}"
            if not (index == len(messages) - 1 and leave_user_open):
                text += " ASSISTANT:"
            expected_role = "assistant"
        else:
            ids += _encode_nonempty(tokenizer, f"{text} {message.content}") + [EOS_ID]
            text, expected_role = "", "user"
    return ids + _encode_nonempty(tokenizer, text)


def _encode_nonempty(tokenizer: Tokenizer, text: str) -> list[int]:
    return tokenizer.encode(text) if text else []


# ---------------------------------------------------------------- lwm_input segments

@dataclass
class Segment:
    kind: str                 # "tokens" | "vision_codes" | "vision_frames"
    data: np.ndarray          # int32 [n] | int32 [frames, 256] | uint8 [frames, 256, 256, 3]

    @property
    def positions(self) -> int:
        return len(self.data) if self.kind == "tokens" else len(self.data) * POSITIONS_PER_FRAME


def parse_lwm_input(raw, vocab_size: int, vision: bool, vqgan: bool) -> list[Segment]:
    if not isinstance(raw, list) or not raw:
        raise PromptError("lwm_input must be a non-empty list of segments")
    return [_parse_segment(i, item, vocab_size, vision, vqgan) for i, item in enumerate(raw)]


def _parse_segment(index: int, item, vocab_size: int, vision: bool, vqgan: bool) -> Segment:
    where = f"lwm_input[{index}]"
    if not isinstance(item, dict):
        raise PromptError(f"{where} must be an object")
    kind = item.get("type")
    if kind == "tokens":
        return Segment(kind, _int_array(item.get("ids"), f"{where}.ids", 0, vocab_size, (None,)))
    if kind in ("vision_codes", "vision_frames") and not vision:
        raise PromptError(f"{where}: this model has no vision vocabulary", "vision_not_supported")
    if kind == "vision_codes":
        frames = item.get("frames")
        if not isinstance(frames, list) or not frames:
            raise PromptError(f"{where}.frames must be a non-empty list of frames")
        return Segment(kind, _int_array(frames, f"{where}.frames", 0, VQ_CODEBOOK_SIZE, (None, CODES_PER_FRAME)))
    if kind == "vision_frames":
        if not vqgan:
            raise PromptError(f"{where}: this model has no VQGAN to encode frames; send vision_codes",
                              "vqgan_not_available")
        return Segment(kind, decode_frames(item.get("frames"), where))
    raise PromptError(f"{where}.type must be tokens, vision_codes or vision_frames")


def _int_array(value, where: str, low: int, high: int, shape: tuple) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise PromptError(f"{where} must be a {'list of lists' if len(shape) == 2 else 'list'} of integers")
    if array.ndim != len(shape) or (len(shape) == 2 and array.shape[1] != shape[1]) or array.size == 0:
        detail = f"lists of {shape[1]} integers" if len(shape) == 2 else "a non-empty list of integers"
        raise PromptError(f"{where} must be {detail}")
    if array.dtype.kind not in "iu":
        raise PromptError(f"{where} must contain integers only")
    if array.min() < low or array.max() >= high:
        raise PromptError(f"{where} values must be in [{low}, {high})")
    return array.astype(np.int32)


def decode_frames(frames, where: str) -> np.ndarray:
    """base64 256x256 RGB uint8 frames -> uint8 [n, 256, 256, 3]; PromptError names the bad frame."""
    if not isinstance(frames, list) or not frames:
        raise PromptError(f"{where}.frames must be a non-empty list of base64 strings")
    decoded = []
    for i, text in enumerate(frames):
        if not isinstance(text, str):
            raise PromptError(f"{where}.frames[{i}] must be a base64 string")
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error:
            raise PromptError(f"{where}.frames[{i}] is not valid base64")
        if len(raw) != FRAME_BYTES:
            raise PromptError(f"{where}.frames[{i}] must be {FRAME_BYTES} bytes (256x256 RGB uint8), "
                              f"got {len(raw)}")
        decoded.append(np.frombuffer(raw, dtype=np.uint8).reshape(FRAME_SIDE, FRAME_SIDE, 3))
    return np.stack(decoded)


def expand_vision(codes: np.ndarray) -> np.ndarray:
    """[frames, 256] codes -> LWM's flat layout: each frame's codes, then 8192, or 8193 after the last."""
    delimiters = np.full((len(codes), 1), END_OF_FRAME, dtype=np.int32)
    delimiters[-1, 0] = END_OF_VISION
    return np.concatenate([codes.astype(np.int32), delimiters], axis=1).reshape(-1)


# ---------------------------------------------------------------- incremental detokenizing

@dataclass
class IncrementalDecoder:
    """Turns generated text ids into text deltas without splitting multi-byte characters.

    Decodes a short window of recent ids and emits what it adds beyond the window's already-emitted part
    (sentencepiece drops the leading space of the first piece of any decode, so both sides of the
    difference are decoded from the same starting id). A delta ending in U+FFFD is held back until the
    byte-fallback pieces of the character are complete; flush() releases whatever is left."""
    tokenizer: Tokenizer | None
    ids: list[int] = field(default_factory=list)
    prefix_offset: int = 0
    read_offset: int = 0

    def add(self, token_id: int) -> str:
        if self.tokenizer is None:
            return ""
        self.ids.append(token_id)
        return self._advance(final=False)

    def flush(self) -> str:
        return "" if self.tokenizer is None else self._advance(final=True)

    def _advance(self, final: bool) -> str:
        emitted = self.tokenizer.decode(self.ids[self.prefix_offset:self.read_offset])
        current = self.tokenizer.decode(self.ids[self.prefix_offset:])
        if len(current) <= len(emitted) or (current.endswith("\ufffd") and not final):
            return ""
        self.prefix_offset, self.read_offset = self.read_offset, len(self.ids)
        return current[len(emitted):]


# ---------------------------------------------------------------- a request's prompt, resolved on the engine thread

@dataclass
class PromptInput:
    """Either lwm_input segments or chat messages; turned into (ids, vision_mask) when the job runs,
    because vision frames need the engine's VQGAN and appended turns depend on how the session ends."""
    segments: list[Segment] | None = None
    messages: list[Message] | None = None
    leave_user_open: bool = False   # a session document made from messages: its last user turn stays open

    @property
    def is_messages(self) -> bool:
        return self.messages is not None

    def length_bound(self, tokenizer: Tokenizer | None, on_session: bool) -> int:
        """Positions this prompt will take (an upper bound for messages appended to a session)."""
        if self.segments is not None:
            return sum(segment.positions for segment in self.segments)
        tokenizer = require_tokenizer(tokenizer)
        if on_session:
            return continuation_length_bound(tokenizer, self.messages)
        return len(render_conversation(tokenizer, self.messages, self.leave_user_open))

    def materialize(self, tokenizer: Tokenizer | None, tail: SessionTail | None, encode_frames):
        """(ids int32, vision_mask bool); encode_frames(uint8 [n,256,256,3]) -> int32 [n,256] codes."""
        if self.messages is not None:
            tokenizer = require_tokenizer(tokenizer)
            if tail is None:
                ids = render_conversation(tokenizer, self.messages, self.leave_user_open)
            else:
                ids = render_continuation(tokenizer, self.messages, tail)
            return np.asarray(ids, dtype=np.int32), np.zeros(len(ids), dtype=bool)
        id_parts, mask_parts = [], []
        for segment in self.segments:
            if segment.kind == "tokens":
                id_parts.append(segment.data)
                mask_parts.append(np.zeros(len(segment.data), dtype=bool))
                continue
            codes = segment.data if segment.kind == "vision_codes" else encode_frames(segment.data)
            laid_out = expand_vision(np.asarray(codes))
            id_parts.append(laid_out)
            mask_parts.append(np.ones(len(laid_out), dtype=bool))
        return np.concatenate(id_parts).astype(np.int32), np.concatenate(mask_parts)


def require_tokenizer(tokenizer: Tokenizer | None) -> Tokenizer:
    if tokenizer is None:
        raise PromptError("this model directory has no tokenizer.model: send lwm_input token ids instead of messages")
    return tokenizer
