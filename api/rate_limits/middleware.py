"""A limit on every request but the probes: 429 with Retry-After, WebSocket refused at handshake.

Pure ASGI (BaseHTTPMiddleware breaks contextvars). The refusal is decided before the GraphQL
document is read, as the GraphQL-over-HTTP spec allows for any endpoint ("a server MAY
forbid individual requests by a client ... it SHOULD use the relevant 4xx status code"), so
429 is right for both media types; the body is a GraphQL error list in the media type the
client accepts (`negotiate`, as /graphql itself does), so GraphQL clients read it as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from limits import RateLimitItem
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from api.graphql_http import JSON, negotiate
from api.rate_limits.keys import client_ip_key
from api.rate_limits.limiter import RateLimiter
from api.rate_limits.policy import PER_IP, RateLimitPolicy
from api.rate_limits.refusal import rate_limited_response

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapers, never limited


class RequestRateLimit:
    """Counts each HTTP request and WebSocket handshake under `key_of(scope)`; refuses excess.

    A refused handshake is closed before accept, which servers answer with 403. With
    `websocket_denial_response`, it gets the same 429 + Retry-After as HTTP instead (ASGI's
    denial-response extension) — off by default because uvicorn's websockets-sansio
    protocol, the one `agora serve` runs, logs a spurious ERROR for every such 429
    (Kludex/uvicorn#3138, open): a flood of refused handshakes would flood the error log.
    Browsers never show a refused handshake's status to scripts either way.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        limit: RateLimitItem,
        scope_name: str,
        key_of: Callable[[Scope], str | None],
        exempt_paths: frozenset[str] = EXEMPT_PATHS,
        websocket_denial_response: bool = False,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.limit = limit
        self.scope_name = scope_name
        self.key_of = key_of
        self.exempt_paths = exempt_paths
        self.websocket_denial_response = websocket_denial_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.limiter.enabled  # switched off (load tests): no key to work out either
            or scope["type"] not in ("http", "websocket")
            or scope["path"] in self.exempt_paths
        ):
            await self.app(scope, receive, send)
            return
        key = self.key_of(scope)
        # No key, no limit: one bucket shared by every unidentified caller would let any one
        # of them lock all the others out.
        if key is not None:
            decision = await self.limiter.hit(
                self.scope_name, key, self.limit, count_remaining=False
            )
            if not decision.allowed:
                await self._refuse(scope, receive, send, decision.retry_after_seconds)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, retry_after: int) -> None:
        media_type = negotiate(HTTPConnection(scope).headers.get("accept")) or JSON
        response = rate_limited_response(retry_after, media_type)
        if scope["type"] == "http":
            await response(scope, receive, send)
            return
        websocket = WebSocket(scope, receive, send)
        if (await receive())["type"] != "websocket.connect":
            return  # the client left before the handshake finished
        denial = "websocket.http.response" in (scope.get("extensions") or {})
        if self.websocket_denial_response and denial:
            await websocket.send_denial_response(response)
        else:
            await websocket.close(code=1008)  # before accept: the server answers 403


class IpRateLimit(RequestRateLimit):
    """The platform's per-IP limit (`policy.per_ip`) on everything but the probes."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        policy: RateLimitPolicy,
        *,
        exempt_paths: frozenset[str] = EXEMPT_PATHS,
        websocket_denial_response: bool = False,
    ) -> None:
        super().__init__(
            app,
            limiter=limiter,
            limit=policy.per_ip,
            scope_name=PER_IP,
            key_of=client_ip_key,
            exempt_paths=exempt_paths,
            websocket_denial_response=websocket_denial_response,
        )
