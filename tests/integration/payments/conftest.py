"""Payments tests: sessions of their own engine, a merchant world, and calls as each party."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.participants.roles import Role, Scope
from support.ledger import NOW
from support.payments import Shop, fund, make_participant
from support.stores import StoreUrls


@pytest.fixture
async def sessions(clean_stores: StoreUrls) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(clean_stores.database_url, pool_size=30, max_overflow=0)
    yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
async def shop(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    async with sessions() as session:
        merchant = await make_participant(session, "Shop", Role.MERCHANT)
        shopper = await make_participant(session, "Shopper", Role.INVESTOR)
        referrer = await make_participant(session, "Referrer", Role.INVESTOR)
        operator = await make_participant(session, "Operator", Role.OPERATOR)
        await session.commit()
    await fund(sessions, shopper, 1_000_000)
    merchant_key = Actor(
        ActorKind.API_KEY,
        participant_id=merchant,
        roles=frozenset({Role.MERCHANT}),
        scopes=frozenset({Scope.PAYMENTS_READ, Scope.PAYMENTS_WRITE}),
        api_key_id=merchant,
    )
    return Shop(
        sessions,
        FixedClock(NOW),
        merchant_key,
        Actor(ActorKind.PERSON, participant_id=shopper, roles=frozenset({Role.INVESTOR})),
        referrer,
        Actor(ActorKind.PERSON, participant_id=operator, roles=frozenset({Role.OPERATOR})),
    )
