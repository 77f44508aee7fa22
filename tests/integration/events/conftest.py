"""Event tests run on a database and a Redis of their own.

The e2e suite's `agora serve` runs a relay on the shared test database for the whole session;
here no relay may run but the test's own, so these tests get a separate database and a Redis
server they own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from support.redis_server import OwnedRedis
from support.stores import StoreUrls, empty_stores, stores_of_their_own


@pytest.fixture(scope="session")
def owned_redis() -> Iterator[OwnedRedis]:
    server = OwnedRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def event_stores(stores: StoreUrls, owned_redis: OwnedRedis) -> StoreUrls:
    return await stores_of_their_own(stores, "events", owned_redis.url)


@pytest.fixture
async def clean_stores(event_stores: StoreUrls) -> StoreUrls:
    """This folder's stores, emptied."""
    return await empty_stores(event_stores)


@pytest.fixture
async def sessions(clean_stores: StoreUrls) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(clean_stores.database_url, pool_size=10, max_overflow=0)
    yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await engine.dispose()
