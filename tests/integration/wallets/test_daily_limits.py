"""Daily transfer limits: concurrent transfers of one sender cannot together pass the limit,
and each UTC day starts afresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.wallets.services.movements import transfer
from domain.wallets.services.operations import adjust_wallet
from support.graphql import PASSWORD, unique_email
from support.ledger import NOW
from support.stores import StoreUrls

Send = Callable[[int, str], Awaitable[str]]


@pytest.fixture
async def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def send(app: Starlette, clean_stores: StoreUrls, clock: FixedClock) -> AsyncIterator[Send]:
    """Transfers from a verified (level 1: 50,000.00 a day), funded sender, each in its own
    transaction like a request: "OK" or the refusal's code."""
    engine = create_async_engine(clean_stores.database_url, pool_size=10)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    system, hasher = Actor.system(), app.state.services.identity.hasher
    async with sessions() as session:
        sender, recipient = [
            await register(
                session=session,
                clock=clock,
                actor=system,
                hasher=hasher,
                kind=ParticipantKind.PERSON,
                display_name="P",
                email=unique_email("race"),
                phone=None,
                password=PASSWORD,
                roles=frozenset({Role.INVESTOR}),
            )
            for _ in range(2)
        ]
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = 1 WHERE id = :id"), {"id": sender.id}
        )
        await adjust_wallet(
            session=session,
            clock=clock,
            actor=system,
            participant_id=sender.id,
            amount=Money(20_000_000, "CNY"),
            reason="seed for the limit tests",
            idempotency_key="seed",
        )
        await session.commit()
    as_sender = Actor(ActorKind.PERSON, participant_id=sender.id)

    async def one(minor: int, key: str) -> str:
        async with sessions() as session:
            try:
                await transfer(
                    session=session,
                    clock=clock,
                    actor=as_sender,
                    recipient_id=recipient.id,
                    amount=Money(minor, "CNY"),
                    idempotency_key=key,
                )
            except DomainError as error:
                if error.keeps_changes:
                    await session.commit()
                return error.code
            await session.commit()
            return "OK"

    yield one
    await engine.dispose()


async def test_eight_concurrent_transfers_respect_what_is_left_of_the_limit(send: Send) -> None:
    # given 49,000.00 of the 50,000.00 daily limit already sent
    assert await send(4_900_000, "first") == "OK"

    # when eight transfers of 1,000.00 race for the last 1,000.00
    outcomes = await asyncio.gather(*(send(100_000, f"race-{n}") for n in range(8)))

    # then exactly one fits
    assert sorted(outcomes) == ["LIMIT_EXCEEDED"] * 7 + ["OK"]


async def test_the_limit_starts_afresh_at_midnight_utc(send: Send, clock: FixedClock) -> None:
    clock.set(NOW.replace(hour=23, minute=59))
    assert await send(5_000_000, "all-of-today") == "OK"
    assert await send(1, "one-more-today") == "LIMIT_EXCEEDED"

    clock.advance(timedelta(minutes=2))

    assert await send(5_000_000, "all-of-tomorrow") == "OK"
    assert await send(1, "one-more-tomorrow") == "LIMIT_EXCEEDED"
