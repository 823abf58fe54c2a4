"""Bearer-token authentication and request-size limits, as one ASGI middleware.

It runs before routing and before the body is parsed, so an unauthenticated or oversized request never
reaches a handler. The token is compared in constant time and never logged.
"""
from __future__ import annotations

import hmac
import json
import os
from pathlib import Path

OPEN_PATHS = frozenset({"/health"})


def load_token(token_file: str | None) -> str:
    """The bearer token from --token-file, else from the LWM_BACKEND_TOKEN environment variable."""
    if token_file:
        token = Path(token_file).read_text(encoding="utf-8").strip()
        source = f"token file {token_file}"
    else:
        token = os.environ.get("LWM_BACKEND_TOKEN", "").strip()
        source = "LWM_BACKEND_TOKEN"
    if not token:
        raise SystemExit(f"no bearer token: {source} is empty (give --token-file F or set LWM_BACKEND_TOKEN)")
    return token


def bearer_matches(authorization: str | None, token: str) -> bool:
    """True when the Authorization header is exactly 'Bearer <token>' (constant-time comparison)."""
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def error_body(message: str, type_: str, code: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "code": code}}).encode("utf-8")


class AuthAndLimitsMiddleware:
    """Rejects requests without the bearer token (401) and bodies over max_body_bytes (413)."""

    def __init__(self, app, token: str, max_body_bytes: int):
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["path"] not in OPEN_PATHS and not bearer_matches(headers.get("authorization"), self.token):
            return await _reply(send, 401, error_body("missing or invalid bearer token",
                                                      "authentication_error", "invalid_token"),
                                [(b"www-authenticate", b"Bearer")])
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return await _reply(send, 413, self._too_large())
        await self.app(scope, self._counting_receive(receive, send), send)

    def _too_large(self) -> bytes:
        return error_body(f"request body exceeds {self.max_body_bytes} bytes (--max-body-bytes)",
                          "invalid_request_error", "body_too_large")

    def _counting_receive(self, receive, send):
        """Stops a chunked upload that grows past the limit (no Content-Length to check up front)."""
        seen = 0
        limit = self.max_body_bytes

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        return counted


class BodyTooLarge(Exception):
    """Raised while reading a body that exceeds --max-body-bytes; the server maps it to 413."""


async def _reply(send, status: int, body: bytes, extra_headers=()):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *extra_headers]})
    await send({"type": "http.response.body", "body": body})
