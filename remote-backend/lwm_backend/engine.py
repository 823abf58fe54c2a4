"""LwmEngine: the model behind the server (interface in remote-backend/HELPERS.md).

The host decides where every token of a chunk lives (which device, which local slot) and passes those plans to
the jitted step in model.py; the device code only follows positions. That keeps the cache balanced across the sp
devices however it was filled (long prefill chunks, short follow-ups, single decoded tokens):
  * long chunks go through the ring; chunk blocks (zigzag pairs by default) go to the emptiest devices first;
  * short chunks (<= short_prefill tokens, decode) are replicated and their tokens are dealt to the emptiest
    devices; attention then runs locally and is merged with log-sum-exp, so the cache never moves.
On every device the occupied slots come first and hold increasing positions, so truncation drops a suffix.

Every process of a multi-host run must make the same calls in the same order; all host-side planning here is
deterministic, so the processes agree on every plan.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np
from jax.sharding import PartitionSpec as P

from .config import ModelConfig
from .mesh import make_mesh
from .model import Model, rope_tables
from .ring import AXIS, layout_blocks
from .weights import load_model

DEFAULT_TOKENS_PER_DEVICE = 8192  # per ring step; serving.md §2.7: >= ~2.2K on NVLink to stay compute-bound


class Cancelled(Exception):
    """prefill stopped between chunks because should_cancel() returned True; the cache keeps what was done."""


@dataclass
class Logits:
    text: np.ndarray              # f32 [vocab_size], last position
    vision: np.ndarray | None     # f32 [vision_vocab_size] for vision models


@dataclass
class _Plan:
    ids: np.ndarray      # [T'] chunk tokens in device order (ring) or chunk order (merged); padding 0
    vision: np.ndarray   # [T'] bool
    pos: np.ndarray      # [T'] int32 absolute positions, -1 for padding
    off: np.ndarray      # [n] local slot where each device writes its first new token
    count: np.ndarray    # [n] new tokens per device
    src: np.ndarray      # [n] index in the chunk of each device's first new token (merged mode)
    last: int            # index in the chunk arrays of the chunk's last token


class KvCache:
    """One sequence's KV cache, sharded over sp. length = tokens held; capacity = tokens it was made for."""

    def __init__(self, arrays: dict, capacity: int, local_slots: int, devices: int):
        self.arrays = arrays
        self.capacity = capacity
        self.local_slots = local_slots
        self.fill = [0] * devices  # occupied slots per sp device (host mirror of the device state)
        self.length = 0

    @property
    def kv_bytes(self) -> int:
        """Device memory of K and V over all devices (0 once freed)."""
        if self.arrays is None:
            return 0
        return int(self.arrays["k"].nbytes + self.arrays["v"].nbytes)


class LwmEngine:
    bos_id = 1
    eos_id = 2

    def __init__(self, model: Model, model_id: str, max_context: int, chunk_size: int, has_vqgan: bool,
                 vqgan_path: str | None, layout: str = "zigzag", short_prefill: int = 64):
        cfg: ModelConfig = model.cfg
        self.model = model
        self.model_id = model_id
        self.max_context = max_context
        self.vocab_size = cfg.vocab_size
        self.vision_vocab_size = cfg.vision_vocab_size
        self.bos_id, self.eos_id = cfg.bos_id, cfg.eos_id
        self.devices = model.mesh.size
        self.mesh = dict(model.mesh.shape)
        self.n = model.n
        self.chunk_size = chunk_size
        self.layout = layout
        self.short_prefill = short_prefill
        itemsize = np.dtype(model.dtype).itemsize
        self.kv_bytes_per_token = 2 * cfg.num_layers * cfg.hidden_size * itemsize
        self.has_vqgan = has_vqgan
        # Clients holding their own VQGAN compare this to decide whether their cached codes match ours.
        self.vqgan_sha256 = _sha256(vqgan_path) if vqgan_path else None
        self._vqgan_path = vqgan_path
        self._vqgan = None

    @classmethod
    def load(cls, model_dir, mesh="1,1,1,-1", dtype="f32", chunk_size=None, max_context=None, *,
             layout="zigzag", q_chunk=512, k_chunk=512, short_prefill=64, model_id=None,
             devices=None) -> "LwmEngine":
        """devices: the devices to build the mesh from (default all of jax.devices(), as LWM)."""
        cfg, params = load_model(str(model_dir))
        jax_mesh = make_mesh(mesh, devices)
        tp = jax_mesh.shape["tp"]
        if cfg.num_heads % tp:
            raise ValueError(f"mesh {mesh!r}: tp={tp} does not divide the {cfg.num_heads} attention heads")
        limit = cfg.max_sequence_length
        if max_context is not None:
            if not 0 < max_context <= limit:
                raise ValueError(f"max_context {max_context} must be in 1..{limit} (the model's "
                                 "max_sequence_length: RoPE positions beyond it were never trained)")
            limit = max_context
        n = jax_mesh.shape[AXIS]
        chunk = chunk_size or DEFAULT_TOKENS_PER_DEVICE * n
        if chunk < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk}")
        if layout not in ("zigzag", "contiguous"):
            raise ValueError(f"layout {layout!r}: expected zigzag or contiguous")
        model = Model(cfg, params, jax_mesh, dtype, q_chunk=q_chunk, k_chunk=k_chunk)
        vqgan = os.path.join(str(model_dir), "vqgan")
        name = model_id or os.path.basename(os.path.normpath(os.path.abspath(str(model_dir))))
        return cls(model, name, limit, min(chunk, limit), os.path.isfile(vqgan),
                   vqgan if os.path.isfile(vqgan) else None, layout, short_prefill)

    # ---------------------------------------------------------------------------------------- caches

    def ring_block(self, tokens: int) -> int:
        """Zigzag block size for a ring chunk, bucketed so that few shapes are ever compiled: a power of two up
        to the query chunk, then whole query chunks. Padding costs little: its attention blocks are skipped."""
        b = -(-tokens // (2 * self.n))
        q = self.model.q_chunk
        return 1 << (b - 1).bit_length() if b <= q else -(-b // q) * q

    def local_slots(self, capacity: int) -> int:
        """Slots per device: an even share plus room for the imbalance placement can leave between devices (at
        most one ring block or one short chunk), rounded to whole key chunks so attending to the cache never pads
        (copies) it."""
        n = self.n
        slots = -(-capacity // n)
        if n > 1:
            slots += max(self.ring_block(min(self.chunk_size, capacity)), self.short_prefill)
        k = self.model.k_chunk
        return slots if slots <= k else -(-slots // k) * k

    def new_cache(self, capacity: int) -> KvCache:
        if not 0 < capacity <= self.max_context:
            raise ValueError(f"cache capacity {capacity} must be in 1..{self.max_context} (max context)")
        slots = self.local_slots(capacity)
        return KvCache(self.model.empty_cache(slots), capacity, slots, self.n)

    def free(self, cache: KvCache) -> None:
        if cache.arrays is not None:
            for a in cache.arrays.values():
                a.delete()
            cache.arrays = None
        cache.fill = [0] * self.n
        cache.length = 0

    def truncate(self, cache: KvCache, length: int) -> None:
        """Forget every position >= length (a rolled-back answer); positions are a suffix on every device."""
        self._check_live(cache)
        if not 0 <= length <= cache.length:
            raise ValueError(f"truncate to {length}: the cache holds {cache.length} tokens")
        if length == cache.length:
            return
        cache.arrays["pos"], fill = self.model.truncate(cache.arrays["pos"], length)
        cache.fill = [int(x) for x in _fetch(fill)]
        cache.length = length

    # ---------------------------------------------------------------------------------------- prefill / decode

    def prefill(self, cache: KvCache, ids, vision_mask, on_progress=None, should_cancel=None) -> Logits:
        self._check_live(cache)
        ids = np.asarray(ids, dtype=np.int32).reshape(-1)
        vision = np.zeros(ids.shape, bool) if vision_mask is None else np.asarray(vision_mask, bool).reshape(-1)
        if vision.shape != ids.shape:
            raise ValueError(f"vision_mask has {vision.size} entries for {ids.size} ids")
        if ids.size == 0:
            raise ValueError("prefill needs at least one token")
        self._check_ids(ids, vision)
        end = cache.length + ids.size
        if end > cache.capacity or end > self.max_context:
            raise ValueError(f"{cache.length} cached + {ids.size} new tokens exceed the cache capacity "
                             f"{cache.capacity} (max context {self.max_context})")
        logits = None
        for done in range(0, ids.size, self.chunk_size):
            if done and should_cancel is not None and should_cancel():
                raise Cancelled(f"prefill cancelled after {done} of {ids.size} tokens")
            piece = slice(done, done + self.chunk_size)
            logits = self._run(cache, ids[piece], vision[piece])
            if on_progress is not None:
                on_progress(min(done + self.chunk_size, ids.size), ids.size)
        return logits

    def decode(self, cache: KvCache, token_id: int, is_vision: bool) -> Logits:
        return self.prefill(cache, np.array([token_id], np.int32), np.array([bool(is_vision)]))

    def logits_at(self, cache: KvCache, ids, vision_mask, rows) -> tuple[np.ndarray, np.ndarray | None]:
        """Appends one chunk (<= chunk_size tokens) and returns the logits of the given chunk rows
        ([rows, vocab], vision or None): the whole-sequence view the parity tests compare with."""
        self._check_live(cache)
        ids = np.asarray(ids, np.int32)
        vision = np.zeros(ids.shape, bool) if vision_mask is None else np.asarray(vision_mask, bool)
        if ids.size > self.chunk_size or cache.length + ids.size > cache.capacity:
            raise ValueError("logits_at takes one chunk that fits the cache")
        return self._run(cache, ids, vision, rows=np.asarray(rows, np.int64), whole=True)

    def encode_frames(self, frames_uint8) -> np.ndarray:
        """VQGAN codes [n, 256] int32 of uint8 frames [n, 256, 256, 3] (the model directory's `vqgan`)."""
        if not self.has_vqgan:
            raise ValueError(f"{self.model_id}: the model directory has no vqgan file")
        if self._vqgan is None:
            from .vqgan import Vqgan
            self._vqgan = Vqgan.load(self._vqgan_path)
        return self._vqgan.encode(np.asarray(frames_uint8))

    # ---------------------------------------------------------------------------------------- internals

    def _check_live(self, cache: KvCache) -> None:
        if cache.arrays is None:
            raise ValueError("the cache was freed")

    def _check_ids(self, ids: np.ndarray, vision: np.ndarray) -> None:
        if self.vision_vocab_size is None and vision.any():
            raise ValueError(f"{self.model_id} is a text model: the vision mask must be all false")
        limit = np.where(vision, self.vision_vocab_size or 0, self.vocab_size)
        bad = (ids < 0) | (ids >= limit)
        if bad.any():
            i = int(np.argmax(bad))
            kind = "vision" if vision[i] else "text"
            raise ValueError(f"token {ids[i]} at index {i} is outside the {kind} vocabulary (size {limit[i]})")

    def _prepare(self, cache: KvCache, ids, vision, rows=None):
        """(plan, jitted step, its arguments) for one chunk."""
        model = self.model
        mode = "merged" if ids.size <= self.short_prefill else "ring"
        plan = (self._plan_merged if mode == "merged" else self._plan_ring)(cache, ids, vision)
        for d in range(self.n):
            if cache.fill[d] + plan.count[d] > cache.local_slots:
                raise ValueError(f"cache device {d} is full ({cache.fill[d]} + {plan.count[d]} > "
                                 f"{cache.local_slots} slots)")
        if rows is None:
            rows = np.array([plan.last])
        elif mode == "ring":
            rows = self._rows_in_ring_order(plan, cache.length, rows)
        seq = P(AXIS) if mode == "ring" else P()
        cos, sin = rope_tables(plan.pos, model.freqs)
        tokens = {"ids": model.put(plan.ids, seq), "vision": model.put(plan.vision, seq),
                  "pos": model.put(plan.pos, seq), "cos": model.put(cos, P(*seq, None)),
                  "sin": model.put(sin, P(*seq, None))}
        placement = {k: model.put(getattr(plan, k).astype(np.int32), P(AXIS)) for k in ("off", "count", "src")}
        step = model.step(mode, has_prefix=cache.length > 0)
        args = (model.params, cache.arrays, tokens, placement, model.put(np.asarray(rows, np.int32), P()))
        return plan, step, args

    def _run(self, cache: KvCache, ids, vision, rows=None, whole=False):
        plan, step, args = self._prepare(cache, ids, vision, rows)
        text, vis, cache.arrays = step(*args)
        cache.fill = [f + int(c) for f, c in zip(cache.fill, plan.count)]
        cache.length += ids.size
        text = _fetch(text)
        vis = None if vis is None else _fetch(vis)
        if whole:
            return text, vis
        return Logits(text[-1], None if vis is None else vis[-1])

    def step_memory(self, cache: KvCache, ids, vision_mask=None) -> int:
        """Per-device bytes XLA plans for the step that would append `ids` (one chunk): arguments + outputs -
        donated aliases + temporaries, from the compiled executable's memory analysis. Nothing runs."""
        ids = np.asarray(ids, np.int32)
        vision = np.zeros(ids.shape, bool) if vision_mask is None else np.asarray(vision_mask, bool)
        _, step, args = self._prepare(cache, ids, vision)
        m = step.lower(*args).compile().memory_analysis()
        return int(m.argument_size_in_bytes + m.output_size_in_bytes - m.alias_size_in_bytes
                   + m.temp_size_in_bytes)

    def _emptiest_first(self, cache: KvCache) -> list[int]:
        return sorted(range(self.n), key=lambda d: (cache.fill[d], d))

    def _plan_ring(self, cache: KvCache, ids, vision) -> _Plan:
        """Blocks of the chunk in the configured layout; the fullest block pairs go to the emptiest devices."""
        n, t = self.n, ids.size
        pairs = layout_blocks(t, n, self.layout, self.ring_block(t))
        fullest = np.argsort(-(pairs >= 0).sum(axis=1), kind="stable")
        idx = np.empty_like(pairs)
        for pair, device in zip(fullest, self._emptiest_first(cache)):
            idx[device] = pairs[pair]
        flat = idx.reshape(-1)
        real = flat >= 0
        take = np.where(real, flat, 0)
        return _Plan(ids=np.where(real, ids[take], 0).astype(np.int32), vision=real & vision[take],
                     pos=np.where(real, cache.length + flat, -1).astype(np.int32),
                     off=np.array(cache.fill), count=(idx >= 0).sum(axis=1), src=np.zeros(n, np.int64),
                     last=int(np.argmax(flat == t - 1)))

    def _rows_in_ring_order(self, plan: _Plan, start: int, rows: np.ndarray) -> np.ndarray:
        where = {int(p) - start: i for i, p in enumerate(plan.pos) if p >= 0}
        return np.array([where[int(r)] for r in rows])

    def _plan_merged(self, cache: KvCache, ids, vision) -> _Plan:
        """Replicated chunk padded to a power of two (few compiled shapes); tokens dealt to the emptiest devices,
        each device taking a contiguous run so it writes one window."""
        n, t = self.n, ids.size
        width = 1 << (t - 1).bit_length()
        fill = list(cache.fill)
        count = np.zeros(n, np.int64)
        for _ in range(t):
            d = min(range(n), key=lambda e: (fill[e], e))
            fill[d] += 1
            count[d] += 1
        src = np.concatenate([[0], np.cumsum(count)[:-1]])
        pad = width - t
        return _Plan(ids=np.pad(ids, (0, pad)), vision=np.pad(vision, (0, pad)),
                     pos=np.pad(cache.length + np.arange(t), (0, pad), constant_values=-1).astype(np.int32),
                     off=np.array(cache.fill), count=count, src=src, last=t - 1)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(x) -> np.ndarray:
    """A replicated (or fully addressable) result as numpy, also in multi-process runs."""
    if x.is_fully_addressable:
        return np.asarray(x)
    return np.asarray(x.addressable_data(0))
