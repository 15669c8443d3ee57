"""Pure ASGI middleware: request ids, security headers, JSON body limits, cross-site writes."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.deps import SESSION_COOKIE

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Upload routes stream their bodies to storage and enforce their own per-question limits.
STREAMING_UPLOADS = (
    re.compile(r"^/api/entries/\d+/attachments$"),
    re.compile(r"^/api/challenges/[^/]+/cover$"),
)
# CSV imports read a multipart form larger than any JSON body and stop it at their own
# limit as it streams. They still pass the admission gate: their dependencies hold a
# connection (released while the file arrives).
OWN_BODY_LIMITS = (re.compile(r"^/api/challenges/[^/]+/imports(/preview)?$"),)
# One-click unsubscribe (RFC 8058) is POSTed by mail clients, some from a webmail page on
# their own origin. The route reads no cookie and acts only on its signed token, so a
# request from another site can do nothing the token's holder could not.
CROSS_SITE_ALLOWED = frozenset({"/api/unsubscribe"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes at run time; its page still runs no inline script.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _error(
    status: int, code: str, message: str, request_id: str | None, field: str | None = None
) -> tuple[int, bytes]:
    body = {
        "error": {
            "code": code,
            "message": message,
            "field": field,
            "details": [{"field": field, "message": message}],
            "request_id": request_id,
        }
    }
    return status, json.dumps(body).encode()


async def _send_json(
    send: Send, status: int, body: bytes, extra: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityMiddleware:
    """Outermost layer: gives each request an id, refuses cross-site cookie writes and
    oversized JSON bodies, and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.trusted_origins = {settings.base_origin, *settings.cors_origins}

    def _origin_trusted(self, value: str, host: str | None) -> bool:
        parts = urlsplit(value)
        origin = f"{parts.scheme}://{parts.netloc}"
        # The browser sets Host to this server, so an Origin naming the same host is ours.
        return origin in self.trusted_origins or (host is not None and parts.netloc == host)

    def _cross_site_write(self, scope: Scope, headers: Headers) -> bool:
        if scope["method"] not in UNSAFE_METHODS or not scope["path"].startswith("/api"):
            return False
        if scope["path"] in CROSS_SITE_ALLOWED:
            return False
        if headers.get("authorization", "").lower().startswith("bearer "):
            return False  # a script's token cannot be sent by another site
        host = headers.get("host")
        origin = headers.get("origin")
        if origin == "null":  # sandboxed frames and files: never trusted
            return True
        if origin:
            return not self._origin_trusted(origin, host)
        referer = headers.get("referer")
        if referer:
            return not self._origin_trusted(referer, host)
        # No Origin nor Referer: only a non-browser client; refuse if it rides on a cookie.
        has_cookie = f"{SESSION_COOKIE}=" in headers.get("cookie", "")
        return has_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id", "")
        if not (0 < len(request_id) <= 64 and request_id.replace("-", "").isalnum()):
            request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope["path"]
        security_headers = self._security_headers(path, request_id)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for name, value in security_headers:
                    if name not in mutable:
                        mutable[name] = value
            await send(message)

        if self._cross_site_write(scope, headers):
            status, body = _error(
                403,
                "cross_site_request",
                "This request came from another site and was refused. Use OpenCall's own pages, "
                "or send a Bearer token from scripts.",
                request_id,
            )
            await _send_json(send_with_headers, status, body)
            return

        streaming = any(p.match(path) for p in (*STREAMING_UPLOADS, *OWN_BODY_LIMITS))
        if scope["method"] in UNSAFE_METHODS and not streaming:
            limit = self.settings.max_json_bytes
            too_large = _error(
                413,
                "payload_too_large",
                f"The request body is larger than {limit} bytes.",
                request_id,
            )
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await _send_json(send_with_headers, *too_large)
                return
            receive = _limited_receive(receive, limit)
            if "json" in headers.get("content-type", "").lower():
                try:
                    body, receive = await _buffered(receive)
                except HTTPException:
                    await _send_json(send_with_headers, *too_large)
                    return
                field = _nul_in_json(body)
                if field is not None:
                    await _send_json(send_with_headers, *_nul_refused(field, request_id))
                    return

        field = _nul_in_address(scope)
        if field is not None:
            await _send_json(send_with_headers, *_nul_refused(field, request_id))
            return

        await self.app(scope, receive, send_with_headers)

    def _security_headers(self, path: str, request_id: str) -> list[tuple[str, str]]:
        csp = DOCS_CSP if path == "/docs" else CSP
        pairs = [
            ("content-security-policy", csp),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
            ("x-frame-options", "DENY"),
            ("cross-origin-opener-policy", "same-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
            ("x-request-id", request_id),
        ]
        if path.startswith("/api"):
            pairs.append(("cache-control", "no-store"))
        if self.settings.https:
            pairs.append(("strict-transport-security", "max-age=63072000; includeSubDomains"))
        return pairs


# NUL (U+0000) is text no database column should hold (PostgreSQL cannot): refused wherever
# a client can send it, naming where it was. In JSON it can only be written escaped, "\u0000"
# after an even number of backslashes (an odd run escapes the backslash instead).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _nul_refused(field: str, request_id: str) -> tuple[int, bytes]:
    message = f"{field}: may not contain the NUL character (U+0000); remove it"
    return _error(422, "validation_error", message, request_id, field)


def _nul_path(value: Any, path: str) -> str | None:
    """Where in a parsed JSON value a string (or a key) holds NUL, as "answers.idea"."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = _nul_path(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _nul_in_json(body: bytes) -> str | None:
    if not _NUL_ESCAPE.search(body):
        return None
    try:
        return _nul_path(json.loads(body), "")
    except ValueError:
        return None  # not JSON at all: the route says so


def _nul_in_address(scope: Scope) -> str | None:
    """The query parameter (or "path") holding NUL, if any."""
    if "\x00" in scope["path"]:
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "query"
    return None


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body (already limited by size), and a receive that gives it again."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def again() -> Any:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, again


def _limited_receive(receive: Receive, limit: int) -> Receive:
    """Count a streamed (chunked) body and stop it at the limit."""
    received = 0

    async def wrapped() -> Any:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"The request body is larger than {limit} bytes.")
        return message

    return wrapped


class AdmissionMiddleware:
    """At most as many requests inside the API at once as the worker has database
    connections; the rest wait here, in the event loop, holding neither a thread nor a
    connection.

    Without it a burst deadlocks the worker: a request takes a connection in its first
    dependency, then queues for a threadpool slot for its next step, while the slots go to
    newer requests that block waiting for a connection, until pool timeouts fire.

    A request leaves the gate when its response starts, so a slow download does not keep
    others out; uploads, which stream their body for as long as a slow phone takes, do not
    pass through it.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = max(1, limit)
        self.gate: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not (path.startswith("/api/") or path == "/healthz")
            or any(p.match(path) for p in STREAMING_UPLOADS)
        ):
            await self.app(scope, receive, send)
            return
        if self.gate is None:  # made inside the worker's event loop
            self.gate = anyio.Semaphore(self.limit)
        gate = self.gate
        await gate.acquire()
        held = True

        async def started(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False
                gate.release()
            await send(message)

        try:
            await self.app(scope, receive, started)
        finally:
            if held:
                gate.release()
