"""Sessions (pinned KV caches under an id) and the registry of cancellable requests.

The HTTP side creates, finds and deletes sessions; only the engine worker thread touches a session's
KV cache. Sessions are never evicted for room: only DELETE or their TTL ends them, and the KV budget is
enforced when a session is admitted instead.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

class BudgetExceeded(Exception):
    """The sessions' pinned KV bytes would exceed --kv-budget-bytes (429 with Retry-After)."""


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


@dataclass
class Session:
    id: str
    capacity: int                 # tokens the KV cache holds at most (document and all later turns)
    budget_bytes: int             # capacity * kv_bytes_per_token, what admission counts
    ttl_s: float
    expires_at: float
    devices: int
    request_id: str | None = None  # the prefill request that created it
    state: str = "queued"        # queued | prefilling | ready | failed | cancelled
    error: str | None = None
    cache: object = None          # the engine's KvCache; set and freed by the engine worker only
    # Progress of the latest prefill on this session, as prompt_progress reports it.
    total: int = 0
    processed: int = 0
    cache_tokens: int = 0
    # Upper bound of the tokens the session will hold once every accepted request has run (admission).
    reserved_tokens: int = 0
    # The last sampled token is not in the KV yet; the session's next request feeds it first.
    pending_token: tuple[int, bool] | None = None
    last_token: int | None = None
    open_user_turn: bool = False
    active_jobs: int = 0
    deleted: bool = False
    _listeners: set = field(default_factory=set)
    _listeners_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tokens_in_cache(self) -> int:
        cache = self.cache
        return int(cache.length) if cache is not None else 0

    @property
    def kv_bytes(self) -> int:
        cache = self.cache
        return int(cache.kv_bytes) if cache is not None else 0

    def add_listener(self, sink) -> None:
        with self._listeners_lock:
            self._listeners.add(sink)

    def remove_listener(self, sink) -> None:
        with self._listeners_lock:
            self._listeners.discard(sink)

    def notify(self, event) -> None:
        """Sends an event to every GET /v1/sessions/{id}/events stream of this session."""
        with self._listeners_lock:
            sinks = list(self._listeners)
        for sink in sinks:
            sink.emit(event)

    def snapshot(self) -> dict:
        """The GET /v1/sessions/{id} body."""
        return {"session_id": self.id, "state": self.state, "request_id": self.request_id,
                "total": self.total, "processed": self.processed, "cache": self.cache_tokens,
                "tokens_in_cache": self.tokens_in_cache, "kv_bytes": self.kv_bytes,
                "capacity": self.capacity, "devices": self.devices,
                "expires_at": int(self.expires_at), "error": self.error}


class SessionStore:
    """Live sessions by id, their TTLs, and the KV budget (including deleted sessions not yet freed)."""

    def __init__(self, kv_budget_bytes: int, default_ttl_s: float, clock=time.time):
        self.kv_budget_bytes = kv_budget_bytes
        self.default_ttl_s = default_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._unfreed: dict[str, int] = {}   # removed sessions whose KV the engine has not freed yet

    def create(self, capacity: int, kv_bytes_per_token: int, ttl_s: float | None, devices: int) -> Session:
        ttl = self.default_ttl_s if ttl_s is None else ttl_s
        session = Session(id=new_id("sess"), capacity=capacity, budget_bytes=capacity * kv_bytes_per_token,
                          ttl_s=ttl, expires_at=self._clock() + ttl, devices=devices)
        with self._lock:
            if self.kv_budget_bytes and self._pinned_bytes() + session.budget_bytes > self.kv_budget_bytes:
                raise BudgetExceeded(f"sessions hold {self._pinned_bytes()} KV bytes; this one needs "
                                     f"{session.budget_bytes} more and the budget is {self.kv_budget_bytes} "
                                     "(--kv-budget-bytes); delete a session or wait for one to expire")
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session, with its TTL refreshed (every use counts)."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            session.expires_at = self._clock() + session.ttl_s
            return session

    def remove(self, session_id: str) -> Session | None:
        """Takes the session out of the store; its bytes stay budgeted until freed() is called."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is not None:
                session.deleted = True
                self._unfreed[session.id] = session.budget_bytes
            return session

    def freed(self, session: Session) -> None:
        with self._lock:
            self._unfreed.pop(session.id, None)

    def take_expired(self) -> list[Session]:
        """Removes and returns the sessions past their TTL that no accepted request is using."""
        now = self._clock()
        with self._lock:
            expired = [s for s in self._sessions.values() if s.expires_at <= now and s.active_jobs == 0]
        return [s for s in (self.remove(s.id) for s in expired) if s is not None]

    def reserve(self, session: Session, tokens: int, limit: int) -> bool:
        """Adds to the session's reserved tokens if they stay within limit (admission of a request)."""
        with self._lock:
            if session.reserved_tokens + tokens > limit:
                return False
            session.reserved_tokens += tokens
            session.active_jobs += 1
            return True

    def settle(self, session: Session, reserved: int, kept: int) -> None:
        """A request on the session ended: it reserved `reserved` tokens and left `kept` in the session."""
        with self._lock:
            session.reserved_tokens += kept - reserved
            session.active_jobs -= 1
            session.expires_at = self._clock() + session.ttl_s

    def _pinned_bytes(self) -> int:
        return sum(s.budget_bytes for s in self._sessions.values()) + sum(self._unfreed.values())


@dataclass
class RequestRecord:
    """One cancellable unit of work: a chat completion or a session prefill.

    A cancel that arrives while the work is still queued is reported at once by on_abandon (the job
    then does nothing when its turn comes), so a client never waits behind other requests to hear it."""
    id: str
    session_id: str | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    on_abandon: object = None     # callable reporting a cancel that came before the work started
    _started: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def start(self) -> bool:
        """Called by the job as it begins; False when it was cancelled while queued (already reported)."""
        with self._lock:
            if self.cancel_event.is_set():
                return False
            self._started = True
            return True

    def cancel(self) -> None:
        with self._lock:
            abandon = not self.cancel_event.is_set() and not self._started
            self.cancel_event.set()
        if abandon and self.on_abandon is not None:
            self.on_abandon()


class RequestRegistry:
    """Running requests by id, plus the ids of recently finished ones (so a late cancel gets 409, not 404)."""

    def __init__(self, remember_finished: int = 10000):
        self._lock = threading.Lock()
        self._running: dict[str, RequestRecord] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._remember = remember_finished

    def start(self, prefix: str, session_id: str | None = None) -> RequestRecord:
        record = RequestRecord(id=new_id(prefix), session_id=session_id)
        with self._lock:
            self._running[record.id] = record
        return record

    def finish(self, record: RequestRecord) -> None:
        with self._lock:
            record.finished = True
            self._running.pop(record.id, None)
            self._finished[record.id] = None
            while len(self._finished) > self._remember:
                self._finished.popitem(last=False)

    def cancel(self, request_id: str) -> str:
        """'cancelling', 'finished' or 'unknown'."""
        with self._lock:
            record = self._running.get(request_id)
            outcome = "finished" if request_id in self._finished else "unknown"
        if record is None:
            return outcome
        record.cancel()   # outside the lock: reporting a queued request finishes it here
        return "cancelling"

    def cancel_session_work(self, session_id: str) -> None:
        with self._lock:
            records = [r for r in self._running.values() if r.session_id == session_id]
        for record in records:
            record.cancel()
