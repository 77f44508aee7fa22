"""PostgreSQL failing over, as a use case meets it: a connection cut mid-work or a server out of
reach is TRY_AGAIN (never an unexpected error), the pool drops what is dead, and a multi-host
URL finds the writable server. The drill with a real failover is bench/pg_failover.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.database_urls import asyncpg_connect_args, database_engine
from domain.participants.secrets import API_KEY_PREFIX
from domain.unit_of_work import DatabaseUnavailable, UnitOfWork
from support.server import free_port as closed_port
from support.stores import StoreUrls, make_settings


async def scalar(session: AsyncSession, sql: str) -> object:
    return (await (await session.connection()).execute(text(sql))).scalar_one()


@pytest.fixture
async def engine(clean_stores: StoreUrls) -> AsyncIterator[AsyncEngine]:
    opened = database_engine(clean_stores.database_url, pool_size=2)
    yield opened
    await opened.dispose()


def multi_host(url: str, *, first_port: int, attrs: str) -> str:
    """The test database's URL with a dead host tried first."""
    args = asyncpg_connect_args(url)
    user, database = args.get("user", "postgres"), args["database"]
    host, port = args["host"], args.get("port", 5432)
    return (
        f"postgresql+asyncpg://{user}@/{database}?host=127.0.0.1:{first_port}"
        f"&host={host}:{port}&target_session_attrs={attrs}"
    )


async def test_a_connection_cut_mid_work_is_try_again_and_the_pool_recovers(
    engine: AsyncEngine, clean_stores: StoreUrls
) -> None:
    sessions = async_sessionmaker(engine, class_=AsyncSession)

    async def cut_off(session: AsyncSession) -> None:
        backend = await scalar(session, "SELECT pg_backend_pid()")
        admin = await asyncpg.connect(**asyncpg_connect_args(clean_stores.database_url))
        try:
            await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await admin.close()
        await scalar(session, "SELECT 1")  # what a failover does to a statement in flight

    with pytest.raises(DatabaseUnavailable) as refused:
        await UnitOfWork(sessions).run(cut_off)
    assert refused.value.code == "TRY_AGAIN"

    async def read(session: AsyncSession) -> int:
        return int(str(await scalar(session, "SELECT 1")))

    assert await UnitOfWork(sessions).run(read) == 1  # the dead connection was dropped


async def read_once(url: str) -> object:
    """`SELECT 1` in a unit of work on a fresh engine."""
    engine = database_engine(url, pool_size=1)
    try:
        sessions = async_sessionmaker(engine, class_=AsyncSession)
        return await UnitOfWork(sessions).run(lambda session: scalar(session, "SELECT 1"))
    finally:
        await engine.dispose()


async def test_a_database_out_of_reach_is_try_again() -> None:
    with pytest.raises(DatabaseUnavailable):
        await read_once(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/agora")


async def test_a_multi_host_url_skips_a_dead_host_and_finds_the_writable_one(
    clean_stores: StoreUrls,
) -> None:
    url = multi_host(clean_stores.database_url, first_port=closed_port(), attrs="read-write")
    assert await read_once(url) == 1


async def test_no_host_fit_to_serve_is_try_again(clean_stores: StoreUrls) -> None:
    # the test server is a primary: a URL that wants a standby finds none (mid-failover, the
    # read-write URL finds none either until the standby is promoted)
    url = multi_host(clean_stores.database_url, first_port=closed_port(), attrs="standby")
    with pytest.raises(DatabaseUnavailable):
        await read_once(url)


async def test_a_request_whose_api_key_cannot_be_checked_is_503_unavailable(
    clean_stores: StoreUrls,
) -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/agora"
    app = create_app(make_settings(clean_stores, database_url=nowhere, relay_enabled=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"authorization": f"Bearer {API_KEY_PREFIX}not-checked-yet"},
            )

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
