"""Webhook tests run on a database of their own, with a real receiving server on loopback.

The e2e suite's `agora serve` runs a relay on the shared test database for the whole session;
these tests decide themselves when events get their positions, so no relay but theirs may
run on their database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock, SystemClock
from support.stores import StoreUrls, empty_stores, stores_of_their_own
from support.webhooks import Receiver, receiving_server


@pytest.fixture(scope="session")
async def webhook_stores(stores: StoreUrls) -> StoreUrls:
    return await stores_of_their_own(stores, "webhooks", stores.redis_url)


@pytest.fixture
async def clean_stores(webhook_stores: StoreUrls) -> StoreUrls:
    """This folder's stores, emptied."""
    return await empty_stores(webhook_stores)


@pytest.fixture
async def sessions(clean_stores: StoreUrls) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(clean_stores.database_url, pool_size=20, max_overflow=0)
    yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """Now, to the second (webhook timestamps are whole seconds); tests move it on."""
    return FixedClock(SystemClock().now().replace(microsecond=0))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving_server() as running:
        yield running
