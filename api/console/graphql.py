"""/console/graphql: the public GraphQL view for the console's pages, signed in by cookie.

It is the same schema, the same permissions, rate limits and audit as /graphql: the view
turns the session cookie into the Bearer token /graphql expects, after the CSRF checks of
api/console/cookies.py, and lets in operators only.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError

from api.console.cookies import CSRF_HEADER, SESSION_COOKIE, csrf_matches, same_origin
from api.graphql_http import JSON, GraphQLOverHTTP, graphql_error_body, negotiate
from graph.context import Context

FORBIDDEN_CLOSE_CODE = 4403
OPERATORS_ONLY = "The console is for operators"


class ConsoleGraphQL(GraphQLOverHTTP):
    """GraphQL for the console's own pages: same origin, double-submit token, cookie session."""

    def __init__(self, *args: Any, trusted_origins: list[str], **kwargs: Any) -> None:
        super().__init__(*args, graphiql=False, **kwargs)
        self.trusted_origins = trusted_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        if not same_origin(
            connection.headers.get("origin"),
            host=connection.headers.get("host"),
            trusted=self.trusted_origins,
        ):
            await self._refuse(scope, receive, send, "Requests must come from the console's page")
            return
        if scope["type"] == "http":
            if not csrf_matches(connection.cookies, connection.headers.get(CSRF_HEADER)):
                await self._refuse(scope, receive, send, "Missing or wrong CSRF token")
                return
            token = connection.cookies.get(SESSION_COOKIE)
            if not token:
                await self._refuse(scope, receive, send, "Sign in to the console", status=401)
                return
            headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            headers.append((b"authorization", f"Bearer {token}".encode()))
            scope = {**scope, "headers": headers}
        await super().__call__(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, message: str, *, status: int = 403
    ) -> None:
        if scope["type"] == "websocket":
            await WebSocket(scope, receive, send).close(FORBIDDEN_CLOSE_CODE, message)
            return
        media_type = negotiate(HTTPConnection(scope).headers.get("accept")) or JSON
        code = "UNAUTHENTICATED" if status == 401 else "FORBIDDEN"
        response = Response(
            graphql_error_body(message, code=code),
            status_code=status,
            media_type=f"{media_type}; charset=utf-8",
        )
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = await super().get_context(request, response)
        if isinstance(request, Request) and not context.actor.is_operator:
            raise HTTPException(403, OPERATORS_ONLY)
        return context

    async def get_base_context(self, request: Request) -> Context:
        """The context /graphql gives this request (whoever it is): for signing in."""
        return await super().get_context(request, Response())

    async def on_ws_connect(self, context: Context) -> dict[str, object]:
        """connection_init carries the double-submit token; the cookie, the credentials."""
        websocket = context.request
        params = context.connection_params or {}
        presented = params.get("csrf")
        if not csrf_matches(websocket.cookies, presented if isinstance(presented, str) else None):
            raise ConnectionRejectionError({"message": "Missing or wrong CSRF token"})
        token = websocket.cookies.get(SESSION_COOKIE)
        if not token:
            raise ConnectionRejectionError(
                {"message": "Sign in to the console", "code": "UNAUTHENTICATED"}
            )
        context.connection_params = {"authorization": f"Bearer {token}"}
        acknowledgement = await super().on_ws_connect(context)
        if not context.actor.is_operator:
            raise ConnectionRejectionError({"message": OPERATORS_ONLY, "code": "FORBIDDEN"})
        return acknowledgement
