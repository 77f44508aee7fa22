"""The database pool pings a connection only when it sat idle: after a database restart no
request gets a dead connection, and under load no request pays for a ping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import api.stores
from api.stores import Stores, open_stores
from support.stores import StoreUrls, make_settings

BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture
async def stores(clean_stores: StoreUrls) -> AsyncIterator[Stores]:
    opened = open_stores(
        make_settings(clean_stores),
        database_url=clean_stores.database_url,
        redis_url=clean_stores.redis_url,
    )
    yield opened
    await opened.close()


async def backend_of_pooled_connection(stores: Stores) -> int:
    async with stores.engine.connect() as conn:
        return int((await conn.execute(BACKEND)).scalar_one())


async def terminate(clean_stores: StoreUrls, backend: int) -> None:
    """What a database restart does to a pooled connection."""
    dsn = make_url(clean_stores.database_url).set(drivername="postgresql")
    admin = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
    finally:
        await admin.close()


async def test_an_idle_connection_the_database_dropped_is_replaced_before_use(
    stores: Stores, clean_stores: StoreUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = await backend_of_pooled_connection(stores)
    await terminate(clean_stores, backend)
    monkeypatch.setattr(api.stores, "IDLE_BEFORE_PING_SECONDS", 0.0)  # it has sat idle

    assert await backend_of_pooled_connection(stores) != backend


async def test_a_connection_in_use_moments_ago_goes_out_without_a_ping(
    stores: Stores, clean_stores: StoreUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = await backend_of_pooled_connection(stores)
    await terminate(clean_stores, backend)
    monkeypatch.setattr(api.stores, "IDLE_BEFORE_PING_SECONDS", 3600.0)  # still "busy"

    # no ping: the dead connection is found by the query itself (and then discarded)
    with pytest.raises(DBAPIError) as failed:
        await backend_of_pooled_connection(stores)
    assert failed.value.connection_invalidated
    assert await backend_of_pooled_connection(stores) != backend
