"""DATABASE_URL's forms, as the engine and the relay's own connection take them.

One server (`postgresql+asyncpg://agora:secret@db:5432/agora`), or several, tried in order
until one fits `target_session_attrs`: a replicated cluster behind no proxy, where the URL
finds whichever node is the writable primary now, after a failover too:

    postgresql+asyncpg://agora:secret@/agora?host=pg1:5432&host=pg2:5432&target_session_attrs=read-write

libpq's comma form (`postgres://pg1:5432,pg2:5432/agora?target_session_attrs=read-write`,
what `pg_autoctl show uri` prints) is accepted too and rewritten into that one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# A host that does not answer (a dead primary's address) costs at most this per connection.
CONNECT_TIMEOUT_SECONDS = 5.0


def engine_url(database_url: str) -> URL:
    """The URL as SQLAlchemy takes it, several hosts in its `?host=` form."""
    parts = urlsplit(database_url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return make_url(database_url)
    extra = "&".join(f"host={host}" for host in hosts.split(","))
    # libpq's sslmode is asyncpg's ssl (same values: disable, prefer, require, ...)
    query = f"{extra}&{parts.query.replace('sslmode=', 'ssl=')}" if parts.query else extra
    scheme = "postgresql+asyncpg" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    return make_url(f"{scheme}://{userinfo}{at}{parts.path}?{query}")


def asyncpg_connect_args(database_url: str) -> dict[str, Any]:
    """asyncpg.connect()'s keywords for the URL: every host, their ports and the session
    attributes (SQLAlchemy's own translation, so the relay connects where the engine does)."""
    _, options = asyncpg_dialect().create_connect_args(engine_url(database_url))  # type: ignore[no-untyped-call]
    options.setdefault("timeout", CONNECT_TIMEOUT_SECONDS)
    return dict(options)


def database_engine(database_url: str, **options: Any) -> AsyncEngine:
    """An engine on the URL (either form), its connections given up on a silent host in
    CONNECT_TIMEOUT_SECONDS (asyncpg's default is a minute) so the next host is tried."""
    return create_async_engine(
        engine_url(database_url), connect_args={"timeout": CONNECT_TIMEOUT_SECONDS}, **options
    )
