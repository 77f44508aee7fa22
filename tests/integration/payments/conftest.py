"""Payments tests: sessions of their own engine, a merchant world, and calls as each party."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from support.ledger import NOW
from support.payments import Shop, open_shop
from support.stores import StoreUrls


@pytest.fixture
async def sessions(clean_stores: StoreUrls) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(clean_stores.database_url, pool_size=30, max_overflow=0)
    yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
async def shop(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    return await open_shop(sessions, FixedClock(NOW))
