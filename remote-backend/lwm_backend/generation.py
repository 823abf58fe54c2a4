"""The engine worker: one thread runs every device operation, one job at a time, in acceptance order.

The HTTP side never waits on device work: it submits a job and reads the job's events from an asyncio
queue. Jobs report progress after each prefill chunk, check for cancellation between chunks and between
decode steps, and keep the sessions' KV caches consistent (roll back what a cancelled or `prefix`
request added).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from .engine import Cancelled
from .prompt import (END_OF_FRAME, EOS_ID, POSITIONS_PER_FRAME, IncrementalDecoder, PromptError, PromptInput,
                     SessionTail, Tokenizer)
from .sampling import Sampler, SamplingParams
from .sessions import RequestRecord, RequestRegistry, Session, SessionStore

log = logging.getLogger("lwm_backend.generation")


# ---------------------------------------------------------------- events (engine thread -> HTTP side)

@dataclass(frozen=True)
class Progress:
    total: int
    cache: int
    processed: int
    time_ms: int
    phase: str
    eta_ms: int | None


@dataclass(frozen=True)
class Tokens:
    ids: list[int]
    text: str


@dataclass(frozen=True)
class Finished:
    reason: str                # stop | length | cancelled
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int


@dataclass(frozen=True)
class Failed:
    status: int
    type: str
    code: str
    message: str


@dataclass(frozen=True)
class SessionChanged:
    snapshot: dict

    @property
    def terminal(self) -> bool:
        return self.snapshot["state"] in ("ready", "failed", "cancelled")


class EventSink:
    """Delivers events from the engine thread to one asyncio queue (a stream or a waiting handler)."""

    def __init__(self, loop, event_queue):
        self._loop = loop
        self._queue = event_queue

    def emit(self, event) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)
        except RuntimeError:
            pass   # the server's event loop is closed: nobody is listening any more


class JobFailed(Exception):
    def __init__(self, status: int, type_: str, code: str, message: str):
        super().__init__(message)
        self.failure = Failed(status, type_, code, message)


def failure_of(error: Exception) -> Failed:
    """The protocol error for an exception raised while a job ran."""
    if isinstance(error, JobFailed):
        return error.failure
    if isinstance(error, PromptError):
        return Failed(400, "invalid_request_error", error.code, str(error))
    text = f"{type(error).__name__}: {error}"
    if "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower():
        return Failed(503, "server_error", "device_out_of_memory",
                      f"device out of memory ({text}); use fewer concurrent sessions or a shorter context")
    return Failed(500, "server_error", "internal_error", text)


# ---------------------------------------------------------------- the worker

class QueueFull(Exception):
    """More accepted jobs than --max-queue (503 with Retry-After)."""


@dataclass
class JobContext:
    engine: object
    tokenizer: Tokenizer | None
    sessions: SessionStore
    requests: RequestRegistry
    progress_interval_s: float


class EngineWorker:
    """Owns the engine: loads it, then runs jobs from a FIFO queue on one thread."""

    def __init__(self, max_queue: int):
        self.max_queue = max_queue
        self.ready = threading.Event()
        self.load_error: BaseException | None = None
        self.context: JobContext | None = None
        self._jobs: queue.Queue = queue.Queue()
        self._counted = 0                 # accepted, unfinished jobs that count against max_queue
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, load_context) -> None:
        """load_context() -> JobContext runs on the worker thread, so every JAX call happens there."""
        self._thread = threading.Thread(target=self._run, args=(load_context,), name="engine-worker", daemon=True)
        self._thread.start()

    def submit(self, job, counted: bool = True) -> None:
        """Queues a job; counted jobs (chat, prefill) are refused with QueueFull past max_queue.
        Freeing jobs are never refused: they give memory back."""
        with self._lock:
            if counted and self._counted >= self.max_queue:
                raise QueueFull(f"{self._counted} requests are queued or running (--max-queue {self.max_queue})")
            if counted:
                self._counted += 1
        self._jobs.put((job, counted))

    def stop(self, timeout_s: float = 10) -> None:
        """Ends the worker after the job it is running (queued jobs are dropped with the process)."""
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self, load_context) -> None:
        try:
            self.context = load_context()
        except BaseException as error:   # reported by the CLI, which exits
            self.load_error = error
            log.exception("loading the model failed")
            return
        finally:
            self.ready.set()
        while (item := self._jobs.get()) is not None:
            job, counted = item
            try:
                job.run(self.context)
            except Exception:
                log.exception("job %s failed outside its own error handling", type(job).__name__)
            finally:
                if counted:
                    with self._lock:
                        self._counted -= 1


# ---------------------------------------------------------------- progress

class ProgressReporter:
    """Emits prompt_progress: at most one frame per interval, processed never decreasing, always a
    frame at the start and at the end of the prefill."""

    def __init__(self, emit, total: int, cache: int, accepted_at: float, interval_s: float):
        self._emit = emit
        self.total = total
        self.cache = cache
        self._accepted_at = accepted_at
        self._interval_s = interval_s
        self.processed = 0
        self._prefill_started = time.monotonic()
        self._last_sent = float("-inf")
        self._last_sent_processed = -1

    def phase(self, name: str) -> None:
        self._send(name)

    def start_prefill(self) -> None:
        self._prefill_started = time.monotonic()
        self._send("prefill")

    def on_chunk(self, processed: int, _total: int = 0) -> None:
        self.processed = max(self.processed, min(int(processed), self.total))
        if time.monotonic() - self._last_sent >= self._interval_s:
            self._send("prefill")

    def finish_prefill(self) -> None:
        """The end-of-prefill frame, unless the last chunk's frame already said processed == total."""
        if self._last_sent_processed != self.total:
            self.processed = self.total
            self._send("prefill")

    def _send(self, phase: str) -> None:
        now = time.monotonic()
        self._last_sent, self._last_sent_processed = now, self.processed
        self._emit(Progress(total=self.total, cache=self.cache, processed=self.processed,
                            time_ms=int((now - self._accepted_at) * 1000), phase=phase,
                            eta_ms=self._eta_ms(now) if phase == "prefill" else None))

    def _eta_ms(self, now: float) -> int | None:
        if self.processed == 0:
            return None
        rate = self.processed / max(now - self._prefill_started, 1e-9)
        return int((self.total - self.processed) / rate * 1000)


# ---------------------------------------------------------------- chat completions

@dataclass
class ChatJob:
    record: RequestRecord
    sink: EventSink
    prompt: PromptInput
    max_tokens: int
    sampling: SamplingParams
    modality: str                 # text | vision
    accepted_at: float
    session: Session | None = None
    keep: str = "all"             # all | prefix (sessions only)
    reserved_tokens: int = 0      # what admission reserved in the session (settled at the end)
    capacity: int = 0             # KV capacity of a stateless request

    def run(self, ctx: JobContext) -> None:
        if not self.record.start():
            return
        try:
            outcome = self._run_stateless(ctx) if self.session is None else self._run_on_session(ctx)
        except Exception as error:   # the rollback itself failed; the client still gets an answer
            outcome = failure_of(error)
        ctx.requests.finish(self.record)
        self.sink.emit(outcome)

    def abandon(self, requests: RequestRegistry, sessions: SessionStore) -> None:
        """Reports a cancel that came while the job was queued (its run() will do nothing)."""
        cached = 0
        if self.session is not None:
            cached = self.session.tokens_in_cache
            sessions.settle(self.session, self.reserved_tokens, 0)
        requests.finish(self.record)
        self.sink.emit(Finished("cancelled", 0, 0, cached))

    def _run_stateless(self, ctx: JobContext):
        cache = None
        try:
            cache = ctx.engine.new_cache(self.capacity)
            ids, mask = self._materialize(ctx, None, cached=0)
            outcome, _ = self._prefill_and_generate(ctx, cache, ids, mask, cached=0)
            return outcome
        except Exception as error:
            return failure_of(error)
        finally:
            if cache is not None:
                ctx.engine.free(cache)

    def _run_on_session(self, ctx: JobContext):
        session = self.session
        before = _SessionMark.of(session)
        prefilled = False
        try:
            if session.deleted:
                raise JobFailed(404, "not_found_error", "session_not_found", f"session {session.id} was deleted")
            if session.state == "failed":
                raise JobFailed(409, "conflict_error", "session_failed",
                                f"session {session.id} failed: {session.error}")
            if session.cache is None:   # its prefill was cancelled before it started
                session.cache = ctx.engine.new_cache(session.capacity)
            tail = SessionTail(session.open_user_turn, session.last_token)
            ids, mask = self._materialize(ctx, tail, cached=before.length)
            if before.pending is not None:
                ids = np.concatenate([np.asarray([before.pending[0]], np.int32), ids])
                mask = np.concatenate([np.asarray([before.pending[1]]), mask])
            outcome, prefilled = self._prefill_and_generate(ctx, session.cache, ids, mask, cached=before.length)
        except Exception as error:
            outcome = failure_of(error)
        finally:
            self._settle_session(ctx, before, prefilled)
        return outcome

    def _settle_session(self, ctx: JobContext, before: "_SessionMark", prefilled: bool) -> None:
        """Rolls the session back when this request's tokens must not stay (`prefix`, or a prompt that
        was not fully prefilled), and settles the admission reservation."""
        session = self.session
        if self.keep == "prefix" or not prefilled:
            if session.cache is not None and session.cache.length != before.length:
                ctx.engine.truncate(session.cache, before.length)
            before.restore(session)
        elif session.state == "cancelled":
            session.state = "ready"   # a resumed (appended-to) session is usable again
        after = _SessionMark.of(session)
        ctx.sessions.settle(session, self.reserved_tokens, after.tokens - before.tokens)

    def _materialize(self, ctx: JobContext, tail, cached: int):
        def encode_frames(frames):
            total = self.prompt.length_bound(None, on_session=False)
            ProgressReporter(self.sink.emit, total, cached, self.accepted_at, 0).phase("encode")
            return ctx.engine.encode_frames(frames)

        return self.prompt.materialize(ctx.tokenizer, tail, encode_frames)

    def _prefill_and_generate(self, ctx: JobContext, cache, ids, mask, cached: int):
        """(outcome, whether the prompt was fully prefilled)."""
        reporter = ProgressReporter(self.sink.emit, len(ids), cached, self.accepted_at, ctx.progress_interval_s)
        reporter.start_prefill()
        try:
            logits = ctx.engine.prefill(cache, ids, mask, on_progress=reporter.on_chunk,
                                        should_cancel=self._should_cancel)
        except Cancelled:
            return Finished("cancelled", cached + len(ids), 0, cached), False
        reporter.finish_prefill()
        reason, generated = self._generate(ctx, cache, logits)
        if self.session is not None:
            self._record_answer(ids, generated)
        return Finished(reason, cached + len(ids), len(generated), cached), True

    def _should_cancel(self) -> bool:
        return self.record.cancelled or (self.session is not None and self.session.deleted)

    def _generate(self, ctx: JobContext, cache, logits) -> tuple[str, list[int]]:
        """Samples up to max_tokens; every token but the last is fed back (the last one stays pending)."""
        vision = self.modality == "vision"
        sampler = Sampler(self.sampling)
        decoder = IncrementalDecoder(None if vision else ctx.tokenizer)
        generated: list[int] = []
        reason = "length"
        for step in range(self.max_tokens):
            if self._should_cancel():
                reason = "cancelled"
                break
            token = self._next_token(sampler, logits, step, vision)
            generated.append(token)
            if not vision and token == EOS_ID:
                self.sink.emit(Tokens([token], decoder.flush()))
                reason = "stop"
                break
            self.sink.emit(Tokens([token], "" if vision else decoder.add(token)))
            if step + 1 < self.max_tokens:
                logits = ctx.engine.decode(cache, token, vision)
        tail = decoder.flush()
        if tail:
            self.sink.emit(Tokens([], tail))
        return reason, generated

    @staticmethod
    def _next_token(sampler: Sampler, logits, step: int, vision: bool) -> int:
        if not vision:
            return sampler.sample(logits.text)
        # LWM's generation overwrites every 257th generated token with the end-of-frame delimiter.
        if (step + 1) % POSITIONS_PER_FRAME == 0:
            return END_OF_FRAME
        return sampler.sample(logits.vision)

    def _record_answer(self, ids: np.ndarray, generated: list[int]) -> None:
        """What the session now ends with, for the next request's prompt layout."""
        session = self.session
        vision = self.modality == "vision"
        session.pending_token = (generated[-1], vision) if generated else None
        session.last_token = generated[-1] if generated else int(ids[-1])
        if self.prompt.is_messages or generated:
            session.open_user_turn = False


@dataclass(frozen=True)
class _SessionMark:
    """A session's token state before a request, to roll back to."""
    length: int
    pending: tuple[int, bool] | None
    last_token: int | None
    open_user_turn: bool

    @classmethod
    def of(cls, session: Session) -> "_SessionMark":
        return cls(session.tokens_in_cache, session.pending_token, session.last_token, session.open_user_turn)

    @property
    def tokens(self) -> int:
        return self.length + (1 if self.pending is not None else 0)

    def restore(self, session: Session) -> None:
        session.pending_token = self.pending
        session.last_token = self.last_token
        session.open_user_turn = self.open_user_turn


# ---------------------------------------------------------------- sessions

@dataclass
class SessionPrefillJob:
    """Prefills a new session's document; a cancel keeps the fully processed prefix."""
    record: RequestRecord
    session: Session
    prompt: PromptInput
    accepted_at: float
    reserved_tokens: int

    def run(self, ctx: JobContext) -> None:
        if not self.record.start():
            return
        session = self.session
        try:
            if session.deleted:
                self._set_state("cancelled")
                return
            self._set_state("prefilling")
            session.cache = ctx.engine.new_cache(session.capacity)
            ids, mask = self.prompt.materialize(ctx.tokenizer, None, lambda frames: self._encode(ctx, frames))
            reporter = ProgressReporter(self._on_progress, len(ids), 0, self.accepted_at, ctx.progress_interval_s)
            reporter.start_prefill()
            ctx.engine.prefill(session.cache, ids, mask, on_progress=reporter.on_chunk,
                               should_cancel=lambda: self.record.cancelled or session.deleted)
            reporter.finish_prefill()
            session.last_token = int(ids[-1])
            session.open_user_turn = self.prompt.is_messages and self.prompt.leave_user_open
            self._set_state("ready")
        except Cancelled:
            session.cache_tokens = session.tokens_in_cache   # the kept prefix, to resume from
            self._set_state("cancelled")
        except Exception as error:
            failure = failure_of(error)
            session.error = failure.message
            if session.cache is not None:
                ctx.engine.free(session.cache)
                session.cache = None
            self._set_state("failed")
        finally:
            ctx.sessions.settle(session, self.reserved_tokens, session.tokens_in_cache)
            ctx.requests.finish(self.record)
            session.notify(SessionChanged(session.snapshot()))

    def abandon(self, requests: RequestRegistry, sessions: SessionStore) -> None:
        """Reports a cancel that came while the prefill was queued: the session keeps no tokens."""
        self._set_state("cancelled")
        sessions.settle(self.session, self.reserved_tokens, 0)
        requests.finish(self.record)
        self.session.notify(SessionChanged(self.session.snapshot()))

    def _encode(self, ctx: JobContext, frames):
        total = self.prompt.length_bound(None, on_session=False)
        ProgressReporter(self._on_progress, total, 0, self.accepted_at, 0).phase("encode")
        return ctx.engine.encode_frames(frames)

    def _on_progress(self, progress: Progress) -> None:
        session = self.session
        session.total, session.processed, session.cache_tokens = progress.total, progress.processed, progress.cache
        session.notify(progress)

    def _set_state(self, state: str) -> None:
        self.session.state = state


@dataclass
class EncodeFramesJob:
    """VQGAN codes of uploaded frames (POST /v1/vqgan/encode), computed on the worker like all device work."""
    frames: np.ndarray
    result: Future

    def run(self, ctx: JobContext) -> None:
        try:
            self.result.set_result(ctx.engine.encode_frames(self.frames))
        except Exception as error:
            self.result.set_exception(error)


@dataclass
class FreeSessionJob:
    """Releases a deleted or expired session's KV on every device."""
    session: Session

    def run(self, ctx: JobContext) -> None:
        session = self.session
        try:
            if session.cache is not None:
                ctx.engine.free(session.cache)
                session.cache = None
        finally:
            ctx.sessions.freed(session)
