"""Autovacuum on for a benchmark's run, as in production, when the machine's PostgreSQL has it off.

Our CI machines run PostgreSQL with `autovacuum = off`. Then no table is ever analyzed, and
a statement that asyncpg prepared while a table was tiny keeps its first generic plan (a
sequential scan) for as long as the connection lives, however large the table grows: the
transfer benchmark lost half its throughput within a run as each idempotency answer scanned
the whole `idempotency_record` table. With autovacuum on (PostgreSQL's default, and
docker-compose's), ANALYZE refreshes the statistics and invalidates the stale plans.
The machine's setting is restored afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import asyncpg


async def _set(server_url: str, on: bool) -> bool:
    """Turn autovacuum on (or back to the machine's setting); whether it was off before."""
    connection = await asyncpg.connect(f"{server_url}/postgres")
    try:
        was_off = (await connection.fetchval("SHOW autovacuum")) == "off"
        if on and was_off:
            await connection.execute("ALTER SYSTEM SET autovacuum = on")
        elif not on:
            await connection.execute("ALTER SYSTEM RESET autovacuum")
        await connection.execute("SELECT pg_reload_conf()")
        return was_off
    finally:
        await connection.close()


@contextlib.contextmanager
def autovacuum_on(database_url: str) -> Iterator[None]:
    """On for the server of `database_url` (SQLAlchemy's form or libpq's) while inside."""
    server_url = database_url.replace("+asyncpg", "").rpartition("/")[0]
    if not asyncio.run(_set(server_url, on=True)):
        yield  # already on: nothing to restore
        return
    print("autovacuum was off on this PostgreSQL: on for this run, as in production", flush=True)
    try:
        yield
    finally:
        asyncio.run(_set(server_url, on=False))
