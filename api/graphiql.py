"""GraphiQL (dev only), served whole by Agora: its page and its assets, no CDN."""

from __future__ import annotations

import functools
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/static/graphiql"


@functools.cache
def graphiql_page() -> str:
    """The page GET /graphql shows a browser; its scripts and styles come from ASSETS_PATH."""
    return (ASSETS / "index.html").read_text(encoding="utf-8")


def graphiql_assets() -> Mount:
    """The vendored scripts and styles (api/static/graphiql/README.md says whence)."""
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS), name="graphiql-assets")
