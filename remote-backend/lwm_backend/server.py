"""The HTTP API of PROTOCOL.md: OpenAI chat completions with LWM extensions, sessions, cancel.

Handlers validate and admit work (context length, KV budget, queue room) before anything reaches the
engine, then hand a job to the engine worker and relay its events; they never wait on device work
themselves. Streams are Server-Sent Events written by hand (`data: <json>` frames, `: ping` comments).
"""
from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .auth import AuthAndLimitsMiddleware, BodyTooLarge
from .generation import (ChatJob, EncodeFramesJob, EngineWorker, EventSink, Failed, Finished, FreeSessionJob,
                         JobContext, Progress, QueueFull, SessionChanged, SessionPrefillJob, Tokens, failure_of)
from .prompt import PromptError, PromptInput, decode_frames, parse_lwm_input, parse_messages
from .sampling import SamplingParams
from .sessions import BudgetExceeded, RequestRegistry, SessionStore

RETRY_AFTER_S = 5
DISCONNECT_CHECK_S = 1.0   # how often a non-streaming request checks that its client is still there


@dataclass(frozen=True)
class ServerConfig:
    token: str
    ping_interval_s: float = 15.0
    max_body_bytes: int = 64 << 20
    default_max_tokens: int = 1024
    session_headroom: int = 8192       # tokens a session gets beyond its document when no capacity is given
    reap_interval_s: float = 1.0


class ApiError(Exception):
    """An error response of the protocol (PROTOCOL.md §1.1)."""

    def __init__(self, status: int, type_: str, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.type, self.code, self.retry_after = status, type_, code, retry_after

    def response(self) -> JSONResponse:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return error_response(self.status, self.type, self.code, str(self), headers)


def error_response(status: int, type_: str, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "code": code}}, status_code=status,
                        headers=headers)


def invalid(message: str, code: str = "invalid_request") -> ApiError:
    return ApiError(400, "invalid_request_error", code, message)


def context_exceeded(message: str) -> ApiError:
    return invalid(message, "context_length_exceeded")


class Backend:
    """Everything the handlers share: the worker, sessions, requests and configuration."""

    def __init__(self, config: ServerConfig, worker: EngineWorker, sessions: SessionStore,
                 requests: RequestRegistry, on_shutdown=None):
        self.config, self.worker, self.sessions, self.requests = config, worker, sessions, requests
        self._on_shutdown = on_shutdown

    def shutdown(self) -> None:
        """Runs while uvicorn shuts down (uvicorn re-raises SIGTERM afterwards, so nothing after
        server.run() would run): stop the engine thread, then whatever the CLI needs (multi-host)."""
        self.worker.stop()
        if self._on_shutdown is not None:
            self._on_shutdown()

    def context(self) -> JobContext:
        if not self.worker.ready.is_set() or self.worker.context is None:
            raise ApiError(503, "server_error", "loading", "the model is still loading", RETRY_AFTER_S)
        return self.worker.context

    def submit(self, job) -> None:
        try:
            self.worker.submit(job)
        except QueueFull as error:
            raise ApiError(503, "server_error", "queue_full", str(error), RETRY_AFTER_S)

    def free_session(self, session_id: str) -> None:
        session = self.sessions.remove(session_id)
        if session is not None:
            self.requests.cancel_session_work(session_id)
            self.worker.submit(FreeSessionJob(session), counted=False)

    async def reap_expired_sessions(self) -> None:
        while True:
            await asyncio.sleep(self.config.reap_interval_s)
            for session in self.sessions.take_expired():
                self.requests.cancel_session_work(session.id)
                self.worker.submit(FreeSessionJob(session), counted=False)


def create_app(backend: Backend) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app):
        reaper = asyncio.create_task(backend.reap_expired_sessions())
        yield
        reaper.cancel()
        await asyncio.get_running_loop().run_in_executor(None, backend.shutdown)

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    _install_error_handlers(app)
    _add_info_routes(app, backend)
    _add_chat_route(app, backend)
    _add_session_routes(app, backend)
    _add_vqgan_route(app, backend)
    _add_cancel_route(app, backend)
    app.add_middleware(AuthAndLimitsMiddleware, token=backend.config.token,
                       max_body_bytes=backend.config.max_body_bytes)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request, error: ApiError):
        return error.response()

    @app.exception_handler(PromptError)
    async def prompt_error(_request, error: PromptError):
        return error_response(400, "invalid_request_error", error.code, str(error))

    @app.exception_handler(BudgetExceeded)
    async def budget_error(_request, error: BudgetExceeded):
        return error_response(429, "rate_limit_error", "kv_budget_exceeded", str(error),
                              {"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(BodyTooLarge)
    async def too_large(_request, _error):
        return error_response(413, "invalid_request_error", "body_too_large", "request body too large")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, error: StarletteHTTPException):
        code = "not_found" if error.status_code == 404 else "http_error"
        return error_response(error.status_code, "invalid_request_error", code, str(error.detail))


async def _json_body(request: Request) -> dict:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise invalid(f"the body is not valid JSON: {error}")
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


# ---------------------------------------------------------------- health and models

def _add_info_routes(app: FastAPI, backend: Backend) -> None:
    @app.get("/health")
    async def health():
        if backend.worker.ready.is_set() and backend.worker.context is not None:
            return {"status": "ok"}
        return JSONResponse({"status": "loading"}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    @app.get("/v1/models")
    async def models():
        engine = backend.context().engine
        return {"object": "list", "data": [_model_entry(engine)]}


def _model_entry(engine) -> dict:
    vision = engine.vision_vocab_size is not None
    return {"id": engine.model_id, "object": "model", "created": int(time.time()), "owned_by": "lwm-backend",
            "max_context": engine.max_context, "vocab_size": engine.vocab_size,
            "vision_vocab_size": engine.vision_vocab_size, "devices": engine.devices, "mesh": dict(engine.mesh),
            "kv_bytes_per_token": engine.kv_bytes_per_token,
            "modalities": ["text", "vision"] if vision else ["text"], "vqgan": bool(engine.has_vqgan),
            "vqgan_sha256": engine.vqgan_sha256, "progress": True}


def _check_model(body: dict, engine) -> None:
    model = body.get("model")
    if model is not None and model != engine.model_id:
        raise ApiError(404, "not_found_error", "model_not_found",
                       f"model {model!r} is not served here (this server serves {engine.model_id!r})")


def _prompt_from(body: dict, ctx: JobContext, leave_user_open: bool) -> PromptInput:
    engine = ctx.engine
    if body.get("lwm_input") is not None:
        segments = parse_lwm_input(body["lwm_input"], engine.vocab_size, engine.vision_vocab_size is not None,
                                   bool(engine.has_vqgan))
        return PromptInput(segments=segments)
    if body.get("messages") is None:
        raise invalid("give messages or lwm_input")
    return PromptInput(messages=parse_messages(body["messages"]), leave_user_open=leave_user_open)


# ---------------------------------------------------------------- chat completions

def _number(value, name: str, default, kind=float, low=None):
    """A JSON number field (None: the default), as float or int, at least `low`."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not float(value).is_integer()):
        raise invalid(f"{name} must be {'an integer' if kind is int else 'a number'}")
    if low is not None and value < low:
        raise invalid(f"{name} must be >= {low}")
    return kind(value)


def _sampling_from(body: dict) -> SamplingParams:
    try:
        return SamplingParams(temperature=_number(body.get("temperature"), "temperature", 1.0),
                              top_p=_number(body.get("top_p"), "top_p", 1.0),
                              top_k=_number(body.get("top_k"), "top_k", 0, int, 0),
                              seed=_number(body.get("seed"), "seed", None, int, 0))
    except ValueError as error:
        raise invalid(str(error))


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise invalid(f"{name} must be true or false")
    return value


def _choice(body: dict, name: str, allowed: tuple, default: str) -> str:
    value = body.get(name, default)
    if value not in allowed:
        raise invalid(f"{name} must be one of {', '.join(allowed)}")
    return value


def _add_chat_route(app: FastAPI, backend: Backend) -> None:
    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        body = await _json_body(request)
        ctx = backend.context()
        _check_model(body, ctx.engine)
        session_id = body.get("session_id") or request.headers.get("x-session-id")
        session = _chat_session(backend, session_id)
        prompt = _prompt_from(body, ctx, leave_user_open=False)
        modality = _choice(body, "modality", ("text", "vision"), "text")
        if modality == "vision" and ctx.engine.vision_vocab_size is None:
            raise invalid("modality vision needs a vision model", "vision_not_supported")
        keep = _choice(body, "session_keep", ("all", "prefix"), "all")
        sampling = _sampling_from(body)
        stream = _flag(body, "stream")
        prompt_len = prompt.length_bound(ctx.tokenizer, on_session=session is not None)
        requested = _number(body.get("max_tokens", body.get("max_completion_tokens")), "max_tokens", None, int, 0)
        max_tokens = _admit_length(backend, ctx, session, prompt_len, requested)

        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()
        record = backend.requests.start("chatcmpl", session.id if session else None)
        job = ChatJob(record=record, sink=EventSink(loop, events), prompt=prompt, max_tokens=max_tokens,
                      sampling=sampling, modality=modality, accepted_at=time.monotonic(), session=session,
                      keep=keep, reserved_tokens=prompt_len + max_tokens if session else 0,
                      capacity=_rounded_capacity(prompt_len + max_tokens, ctx.engine.max_context))
        record.on_abandon = lambda: job.abandon(backend.requests, backend.sessions)
        try:
            backend.submit(job)
        except ApiError:
            backend.requests.finish(record)
            if session is not None:
                backend.sessions.settle(session, job.reserved_tokens, 0)
            raise
        cached = session.tokens_in_cache if session else 0
        first = Progress(total=prompt_len, cache=cached, processed=0, time_ms=0, phase="queued", eta_ms=None)
        frames = _ChunkFormatter(record.id, ctx.engine.model_id)
        headers = {"X-Request-Id": record.id}
        if stream:
            return StreamingResponse(_chat_stream(backend, record, events, frames, first),
                                     media_type="text/event-stream",
                                     headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return await _chat_response(backend, request, record, events, frames, headers)


def _chat_session(backend: Backend, session_id):
    if session_id is None:
        return None
    if not isinstance(session_id, str):
        raise invalid("session_id must be a string")
    session = backend.sessions.get(session_id)
    if session is None:
        raise ApiError(404, "not_found_error", "session_not_found", f"no session {session_id} (deleted or expired)")
    if session.state == "failed":
        raise ApiError(409, "conflict_error", "session_failed", f"session {session_id} failed: {session.error}")
    return session


def _admit_length(backend: Backend, ctx: JobContext, session, prompt_len: int, requested: int | None) -> int:
    """max_tokens for the request; 400 context_length_exceeded when the prompt and answer cannot fit."""
    limit = session.capacity if session else ctx.engine.max_context
    used = session.reserved_tokens if session else 0
    room = limit - used - prompt_len
    what = f"session capacity {limit}" if session else f"max_context {limit}"
    if room < 0 or (requested is not None and requested > room):
        raise context_exceeded(f"{used} session tokens + {prompt_len} prompt tokens + "
                               f"{requested or 0} max_tokens exceed the {what}")
    max_tokens = min(backend.config.default_max_tokens, room) if requested is None else requested
    if session is not None and not backend.sessions.reserve(session, prompt_len + max_tokens, limit):
        raise context_exceeded(f"the session's accepted requests leave no room for {prompt_len} prompt tokens + "
                               f"{max_tokens} max_tokens within the {what}")
    return max_tokens


MIN_CAPACITY = 1024


def _rounded_capacity(tokens: int, max_context: int) -> int:
    """A KV capacity for `tokens`: a power of two, at least MIN_CAPACITY and at most max_context. The KV
    shape is part of the compiled programs, so rounding keeps the number of compilations small instead of
    one per prompt length."""
    return min(max(1 << max(tokens - 1, 0).bit_length(), MIN_CAPACITY), max_context)


class _ChunkFormatter:
    """chat.completion.chunk objects for one request."""

    def __init__(self, request_id: str, model: str):
        self.id, self.model, self.created = request_id, model, int(time.time())
        self._role_sent = False

    def chunk(self, choices: list, **extra) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": choices, **extra}

    def progress(self, event: Progress) -> dict:
        return self.chunk([], prompt_progress={"total": event.total, "cache": event.cache,
                                               "processed": event.processed, "time_ms": event.time_ms,
                                               "phase": event.phase, "eta_ms": event.eta_ms})

    def content(self, event: Tokens) -> dict:
        delta = {"content": event.text, "token_ids": event.ids}
        if not self._role_sent:
            delta = {"role": "assistant", **delta}
            self._role_sent = True
        return self.chunk([{"index": 0, "delta": delta, "finish_reason": None}])

    def finish(self, event: Finished) -> dict:
        return self.chunk([{"index": 0, "delta": {}, "finish_reason": event.reason}])

    def usage(self, event: Finished) -> dict:
        return self.chunk([], usage=_usage(event))


def _usage(event: Finished) -> dict:
    return {"prompt_tokens": event.prompt_tokens, "completion_tokens": event.completion_tokens,
            "total_tokens": event.prompt_tokens + event.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": event.cached_tokens}}


def sse(data) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, separators=(',', ':'))}\n\n"


def _error_frame(failure: Failed) -> dict:
    return {"error": {"message": failure.message, "type": failure.type, "code": failure.code}}


async def _events_or_silence(events: asyncio.Queue, interval_s: float):
    """Yields events, and None whenever interval_s passed without one (time for a ': ping', or to check
    that the client is still connected)."""
    while True:
        try:
            yield await asyncio.wait_for(events.get(), timeout=interval_s)
        except asyncio.TimeoutError:
            yield None


async def _chat_stream(backend: Backend, record, events: asyncio.Queue, frames: _ChunkFormatter, first: Progress):
    finished = False
    try:
        yield sse(frames.progress(first))
        async for event in _events_or_silence(events, backend.config.ping_interval_s):
            if event is None:
                yield ": ping\n\n"
            elif isinstance(event, Progress):
                yield sse(frames.progress(event))
            elif isinstance(event, Tokens):
                yield sse(frames.content(event))
            elif isinstance(event, Finished):
                finished = True
                yield sse(frames.finish(event))
                yield sse(frames.usage(event))
                yield sse("[DONE]")
                return
            elif isinstance(event, Failed):
                finished = True
                yield sse(_error_frame(event))
                yield sse("[DONE]")
                return
    finally:
        if not finished:   # the client went away: stop the work at the next boundary
            backend.requests.cancel(record.id)


async def _chat_response(backend: Backend, request: Request, record, events: asyncio.Queue,
                         frames: _ChunkFormatter, headers: dict):
    ids, text = [], []
    next_check = time.monotonic() + DISCONNECT_CHECK_S
    async for event in _events_or_silence(events, DISCONNECT_CHECK_S):
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + DISCONNECT_CHECK_S
            if await request.is_disconnected():   # nobody will read the answer: stop computing it
                backend.requests.cancel(record.id)
        if isinstance(event, Tokens):
            ids += event.ids
            text.append(event.text)
        elif isinstance(event, Failed):
            return error_response(event.status, event.type, event.code, event.message, headers)
        elif isinstance(event, Finished):
            body = {"id": frames.id, "object": "chat.completion", "created": frames.created, "model": frames.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(text)},
                                 "finish_reason": event.reason, "token_ids": ids}],
                    "usage": _usage(event)}
            return JSONResponse(body, headers=headers)


# ---------------------------------------------------------------- sessions

MAX_ENCODE_FRAMES = 64


def _add_vqgan_route(app: FastAPI, backend: Backend) -> None:
    @app.post("/v1/vqgan/encode")
    async def vqgan_encode(request: Request):
        body = await _json_body(request)
        engine = backend.context().engine
        if not engine.has_vqgan:
            raise invalid("this model directory has no vqgan file", "vqgan_not_available")
        frames = body.get("frames")
        if isinstance(frames, list) and len(frames) > MAX_ENCODE_FRAMES:
            raise invalid(f"{len(frames)} frames in one call; at most {MAX_ENCODE_FRAMES}")
        pixels = decode_frames(frames, "body")
        result: Future = Future()
        backend.submit(EncodeFramesJob(pixels, result))
        try:
            codes = await asyncio.wrap_future(result)
        except Exception as error:
            failure = failure_of(error)
            return error_response(failure.status, failure.type, failure.code, failure.message)
        return {"codes": codes.tolist(), "vqgan_sha256": engine.vqgan_sha256}


def _add_session_routes(app: FastAPI, backend: Backend) -> None:
    @app.post("/v1/sessions", status_code=202)
    async def create_session(request: Request):
        body = await _json_body(request)
        ctx = backend.context()
        _check_model(body, ctx.engine)
        prompt = _prompt_from(body, ctx, leave_user_open=True)
        total = prompt.length_bound(ctx.tokenizer, on_session=False)
        default_capacity = _rounded_capacity(total + backend.config.session_headroom, ctx.engine.max_context)
        capacity = _number(body.get("capacity"), "capacity", default_capacity, int, 1)
        if capacity > ctx.engine.max_context:
            raise context_exceeded(f"capacity {capacity} exceeds max_context {ctx.engine.max_context}")
        if total > capacity:
            raise context_exceeded(f"{total} prompt tokens exceed the session capacity {capacity}")
        ttl = _number(body.get("ttl_s"), "ttl_s", None)
        if ttl is not None and ttl <= 0:
            raise invalid("ttl_s must be > 0")
        session = backend.sessions.create(capacity, ctx.engine.kv_bytes_per_token, ttl, ctx.engine.devices)
        record = backend.requests.start("prefill", session.id)
        session.request_id, session.total = record.id, total
        backend.sessions.reserve(session, total, capacity)
        job = SessionPrefillJob(record=record, session=session, prompt=prompt, accepted_at=time.monotonic(),
                                reserved_tokens=total)
        record.on_abandon = lambda: job.abandon(backend.requests, backend.sessions)
        try:
            backend.submit(job)
        except ApiError:
            backend.requests.finish(record)
            backend.sessions.freed(backend.sessions.remove(session.id))
            raise
        return JSONResponse({"session_id": session.id, "request_id": record.id, "state": session.state},
                            status_code=202, headers={"X-Request-Id": record.id})

    @app.get("/v1/sessions/{session_id}")
    async def get_session(session_id: str):
        return _existing_session(backend, session_id).snapshot()

    @app.get("/v1/sessions/{session_id}/events")
    async def session_events(session_id: str):
        session = _existing_session(backend, session_id)
        events: asyncio.Queue = asyncio.Queue()
        sink = EventSink(asyncio.get_running_loop(), events)
        session.add_listener(sink)   # before reading the state, so no change is missed
        return StreamingResponse(_session_stream(backend, session, sink, events), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.delete("/v1/sessions/{session_id}", status_code=204)
    async def delete_session(session_id: str):
        backend.free_session(session_id)
        return Response(status_code=204)


def _existing_session(backend: Backend, session_id: str):
    session = backend.sessions.get(session_id)
    if session is None:
        raise ApiError(404, "not_found_error", "session_not_found", f"no session {session_id} (deleted or expired)")
    return session


async def _session_stream(backend: Backend, session, sink, events: asyncio.Queue):
    frames = _ChunkFormatter(session.request_id, backend.context().engine.model_id)
    try:
        if SessionChanged(session.snapshot()).terminal:
            events.put_nowait(SessionChanged(session.snapshot()))
        async for event in _events_or_silence(events, backend.config.ping_interval_s):
            if event is None:
                yield ": ping\n\n"
            elif isinstance(event, Progress):
                yield sse(frames.progress(event))
            elif isinstance(event, SessionChanged) and event.terminal:
                yield sse({"id": session.request_id, "object": "session.state", **event.snapshot})
                yield sse("[DONE]")
                return
    finally:
        session.remove_listener(sink)


# ---------------------------------------------------------------- cancel

def _add_cancel_route(app: FastAPI, backend: Backend) -> None:
    @app.post("/v1/requests/{request_id}/cancel", status_code=202)
    async def cancel(request_id: str):
        outcome = backend.requests.cancel(request_id)
        if outcome == "unknown":
            raise ApiError(404, "not_found_error", "request_not_found", f"no request {request_id}")
        if outcome == "finished":
            raise ApiError(409, "conflict_error", "request_finished", f"request {request_id} already finished")
        return JSONResponse({"id": request_id, "status": "cancelling"}, status_code=202)
