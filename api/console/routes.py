"""The console's routes: its page, its assets (served by Agora: no CDN, no build step), its
session and its GraphQL endpoint."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from api.console.graphql import ConsoleGraphQL
from api.console.session import ConsoleSession

STATIC = Path(__file__).parent / "static"
# The page runs its own scripts and styles only, talks to its own origin only (fetch and
# WebSocket), and is never framed.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def console_page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)


def console_routes(view: ConsoleGraphQL) -> list[BaseRoute]:
    session = ConsoleSession(view)
    return [
        Route("/console", console_page, methods=["GET"]),
        Route("/console/session", session.sign_in, methods=["POST"]),
        Route("/console/session/end", session.sign_out, methods=["POST"]),
        Route("/console/graphql", view, methods=["POST"]),
        WebSocketRoute("/console/graphql", view),
        Mount("/console/assets", app=StaticFiles(directory=STATIC), name="console-assets"),
    ]
