"""Request ids, access logs and HTTP metrics; pure ASGI (BaseHTTPMiddleware breaks contextvars)."""

from __future__ import annotations

import logging
import os
import re
import time

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics
from domain.events.correlation import current_correlation_id

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Routes we label by path; anything else is "other", so scanners cannot explode the labels.
KNOWN_ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})

access_log = structlog.get_logger("agora.access")
# structlog stamps and formats an event before the stdlib logger's level drops it: ask first.
_access_level = logging.getLogger("agora.access")
_REQUEST_ID_HEADER = REQUEST_ID_HEADER.encode()


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-ID if it is sane, else a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == _REQUEST_ID_HEADER:
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(candidate):
                return str(candidate)
    return os.urandom(16).hex()  # as random as uuid4's 122 bits, without building a UUID


class RequestObservation:
    """Binds a request id to every log line, echoes it, and records each request's metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        correlation = current_correlation_id.set(request_id)  # events caused by this request
        try:
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
            else:
                await self._http(scope, receive, send, request_id)
        finally:
            current_correlation_id.reset(correlation)
            structlog.contextvars.unbind_contextvars("request_id")

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.metrics.websocket_connections.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.metrics.websocket_connections.dec()

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = 499  # the client left before the answer: not our error, nothing to send
        finally:
            elapsed = time.perf_counter() - started
            path = scope["path"]
            route = path if path in KNOWN_ROUTES else "other"
            method = scope["method"]
            self.metrics.child(self.metrics.http_requests, method, route, str(status)).inc()
            self.metrics.child(self.metrics.http_latency, method, route).observe(elapsed)
            if route != "/metrics" and _access_level.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    method=method,
                    path=path,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
