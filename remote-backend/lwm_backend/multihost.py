"""Multi-process serving with jax.distributed.

JAX requires every process to run the same computations in the same order. Process 0 serves HTTP and
runs the jobs; every engine call it makes (and, inside a prefill, each cancel decision at a chunk
boundary) is first sent to every other process over a control channel, and the followers make the same
call on their own engine. Sampling and all other decisions stay on process 0, so the followers only ever
see engine calls.

The control channel is a TCP connection per follower carrying length-prefixed JSON (no pickle); arrays
travel as base64 of their raw little-endian bytes. Followers authenticate with an HMAC of the bearer
token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import struct
import time

import numpy as np

log = logging.getLogger("lwm_backend.multihost")

_HELLO_CONTEXT = b"lwm-backend control channel v1"
_LENGTH = struct.Struct(">Q")


def initialize(coordinator: str, num_processes: int, process_id: int) -> None:
    """jax.distributed.initialize.

    CPU collectives go over gloo (the only CPU implementation that works across processes). The
    coordination service binds to the coordinator address only (JAX's default is every interface). The
    preemption service is off: it takes over SIGTERM, and the server shuts down on SIGTERM itself."""
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.config.update("jax_enable_preemption_service", False)
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id, coordinator_bind_address=coordinator,
                               initialization_timeout=300)


def control_address(coordinator: str, control_port: int | None) -> tuple[str, int]:
    """The leader's control channel: the coordinator's host, at --control-port or the coordinator port + 1."""
    host, _, port = coordinator.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"--coordinator must be host:port, got {coordinator!r}")
    return host.strip("[]"), control_port if control_port else int(port) + 1


def _hello_mac(token: str, process_id: int) -> str:
    return hmac.new(token.encode("utf-8"), _HELLO_CONTEXT + str(process_id).encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- framing

def _send(sock: socket.socket, message: dict) -> None:
    payload = json.dumps(message, separators=(",", ":")).encode("utf-8")
    sock.sendall(_LENGTH.pack(len(payload)) + payload)


def _recv(sock: socket.socket) -> dict | None:
    header = _recv_exact(sock, _LENGTH.size)
    if header is None:
        return None
    payload = _recv_exact(sock, _LENGTH.unpack(header)[0])
    if payload is None:
        raise ConnectionError("control channel closed in the middle of a message")
    return json.loads(payload)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _array_to_text(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _array_from_text(text: str, dtype, shape) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape)


# ---------------------------------------------------------------- leader side

class LeaderChannel:
    """Process 0's end: accepts every follower once, then broadcasts messages to all of them."""

    def __init__(self, address: tuple[str, int], num_followers: int, token: str, timeout_s: float = 300):
        self._followers: list[socket.socket] = []
        with socket.create_server(address) as server:
            server.settimeout(timeout_s)
            while len(self._followers) < num_followers:
                conn, peer = server.accept()
                self._admit(conn, peer, token)

    def _admit(self, conn: socket.socket, peer, token: str) -> None:
        conn.settimeout(30)
        hello = _recv(conn)
        if not hello or not hmac.compare_digest(str(hello.get("mac", "")),
                                                _hello_mac(token, int(hello.get("process_id", -1)))):
            log.warning("refused a control connection from %s: bad hello", peer)
            conn.close()
            return
        conn.settimeout(None)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._followers.append(conn)
        log.info("process %s joined from %s", hello["process_id"], peer)

    def broadcast(self, message: dict) -> None:
        for conn in self._followers:
            _send(conn, message)

    def close(self) -> None:
        for conn in self._followers:
            conn.close()


class MirroredEngine:
    """Process 0's engine: each call is sent to the followers, then made locally.

    Caches are named by integer handles on the wire; attribute reads (max_context, mesh, ...) are local."""

    def __init__(self, engine, channel: LeaderChannel):
        self._engine = engine
        self._channel = channel
        self._handles: dict[int, int] = {}   # id(cache) -> handle
        self._next_handle = 0

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def new_cache(self, capacity: int):
        handle, self._next_handle = self._next_handle, self._next_handle + 1
        self._channel.broadcast({"op": "new_cache", "cache": handle, "capacity": int(capacity)})
        cache = self._engine.new_cache(capacity)
        self._handles[id(cache)] = handle
        return cache

    def prefill(self, cache, ids, vision_mask, on_progress=None, should_cancel=None):
        ids = np.asarray(ids, dtype="<i4")
        mask = np.asarray(vision_mask, dtype=bool)
        self._channel.broadcast({"op": "prefill", "cache": self._handles[id(cache)], "n": int(len(ids)),
                                 "ids": _array_to_text(ids), "vision": _array_to_text(np.packbits(mask))})
        return self._engine.prefill(cache, ids, mask, on_progress=on_progress,
                                    should_cancel=self._shared_decision(should_cancel))

    def _shared_decision(self, should_cancel):
        """Each cancel decision is made here and sent, so every process stops at the same chunk."""
        def decide() -> bool:
            cancel = bool(should_cancel()) if should_cancel is not None else False
            self._channel.broadcast({"op": "cancel?", "value": cancel})
            return cancel
        return decide

    def close(self) -> None:
        """Tells the followers to stop (they see the channel close) and leaves jax.distributed with them."""
        import jax

        self._channel.close()
        jax.distributed.shutdown()

    def decode(self, cache, token_id: int, is_vision: bool):
        self._channel.broadcast({"op": "decode", "cache": self._handles[id(cache)], "token": int(token_id),
                                 "vision": bool(is_vision)})
        return self._engine.decode(cache, token_id, is_vision)

    def truncate(self, cache, length: int) -> None:
        self._channel.broadcast({"op": "truncate", "cache": self._handles[id(cache)], "length": int(length)})
        self._engine.truncate(cache, length)

    def free(self, cache) -> None:
        handle = self._handles.pop(id(cache))
        self._channel.broadcast({"op": "free", "cache": handle})
        self._engine.free(cache)

    def encode_frames(self, frames_uint8):
        frames = np.asarray(frames_uint8, dtype=np.uint8)
        self._channel.broadcast({"op": "encode_frames", "shape": list(frames.shape),
                                 "frames": _array_to_text(frames)})
        return self._engine.encode_frames(frames)


# ---------------------------------------------------------------- follower side

def connect_follower(address: tuple[str, int], token: str, process_id: int, timeout_s: float = 300) -> socket.socket:
    """Connects to process 0's control channel, retrying while process 0 is still loading."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            sock = socket.create_connection(address, timeout=10)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"process {process_id}: no control channel at {address[0]}:{address[1]} "
                                 f"after {timeout_s:.0f} s")
            time.sleep(0.5)
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _send(sock, {"process_id": process_id, "mac": _hello_mac(token, process_id)})
    return sock


def follow(engine, sock: socket.socket, cancelled_type) -> None:
    """Makes process 0's engine calls on this process's engine until process 0 closes the channel, then
    leaves jax.distributed together with process 0 (so neither sees the other vanish)."""
    import jax

    caches: dict[int, object] = {}
    while (message := _recv(sock)) is not None:
        try:
            _apply(engine, caches, message, sock)
        except cancelled_type:
            pass   # process 0 decided to cancel at this chunk and raised the same way
        except Exception:
            # Process 0 made the same call with the same inputs, so it failed the same way; carry on.
            log.exception("engine call %s failed", message.get("op"))
    sock.close()
    jax.distributed.shutdown()


def _apply(engine, caches: dict, message: dict, sock: socket.socket) -> None:
    op = message["op"]
    if op == "new_cache":
        caches[message["cache"]] = engine.new_cache(message["capacity"])
    elif op == "prefill":
        n = message["n"]
        ids = _array_from_text(message["ids"], "<i4", (n,))
        mask = np.unpackbits(_array_from_text(message["vision"], np.uint8, (-1,)))[:n].astype(bool)
        engine.prefill(caches[message["cache"]], ids, mask, should_cancel=lambda: _next_decision(sock))
    elif op == "decode":
        engine.decode(caches[message["cache"]], message["token"], message["vision"])
    elif op == "truncate":
        engine.truncate(caches[message["cache"]], message["length"])
    elif op == "free":
        engine.free(caches.pop(message["cache"]))
    elif op == "encode_frames":
        engine.encode_frames(_array_from_text(message["frames"], np.uint8, tuple(message["shape"])))
    else:
        raise ValueError(f"unknown control operation {op!r}")


def _next_decision(sock: socket.socket) -> bool:
    message = _recv(sock)
    if message is None or message.get("op") != "cancel?":
        raise ConnectionError(f"expected a cancel decision from process 0, got {message!r}")
    return bool(message["value"])
