"""Advertising tests work on sessions of their own engine against the clean test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from support.ledger import NOW
from support.stores import StoreUrls


@pytest.fixture
async def sessions(clean_stores: StoreUrls) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(clean_stores.database_url, pool_size=30, max_overflow=0)
    yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
