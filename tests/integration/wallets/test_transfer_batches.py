"""Group commit of transfers: a batch decides exactly as the same transfers one at a time
would (answers, refusals, balances, daily counters, events), and the queue that forms batches
answers every caller once, after the commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.ledger.services.verification import verify_ledger
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.wallets.services.movements import transfer
from domain.wallets.services.operations import adjust_wallet
from domain.wallets.services.transfer_batch import MoneyMoved, TransferOrder, transfer_batch
from domain.wallets.services.transfer_queue import TransferQueue
from support.examples import examples
from support.graphql import PASSWORD, unique_email
from support.ledger import NOW
from support.stores import StoreUrls

# Verified people (50,000.00 a day) with 60,000.00, 30,000.00 and 10,000.00, and one
# unverified with 100.00: random batches meet the daily limit, insufficient funds and the
# unverified sender.
FUNDS = [6_000_000, 3_000_000, 1_000_000, 10_000]
LEVELS = [1, 1, 1, 0]


@dataclass(frozen=True)
class People:
    ids: list[UUID]
    database_url: str

    def order(self, sender: int, recipient: int, minor: int, key: str) -> TransferOrder:
        actor = Actor(ActorKind.PERSON, participant_id=self.ids[sender])
        to = self.ids[recipient] if recipient < len(self.ids) else uuid4()  # or nobody
        return TransferOrder(actor, to, Money(minor, "CNY"), key, memo=f"{sender}>{recipient}")


@pytest.fixture
async def people(app: Starlette, clean_stores: StoreUrls) -> People:
    engine = create_async_engine(clean_stores.database_url)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    clock, system = FixedClock(NOW), Actor.system()
    ids = []
    async with sessions() as session:
        for i, (funds, level) in enumerate(zip(FUNDS, LEVELS, strict=True)):
            person = await register(
                session=session,
                clock=clock,
                actor=system,
                hasher=app.state.services.identity.hasher,
                kind=ParticipantKind.PERSON,
                display_name=f"P{i}",
                email=unique_email("batch"),
                phone=None,
                password=PASSWORD,
                roles=frozenset({Role.INVESTOR}),
            )
            await (await session.connection()).execute(
                text("UPDATE participant SET kyc_level = :level WHERE id = :id"),
                {"level": level, "id": person.id},
            )
            await adjust_wallet(
                session=session,
                clock=clock,
                actor=system,
                participant_id=person.id,
                amount=Money(funds, "CNY"),
                reason="seed for the batch tests",
                idempotency_key=f"seed-{i}",
            )
            ids.append(person.id)
        await session.commit()
    await engine.dispose()
    return People(ids, clean_stores.database_url)


BALANCES = text(
    "SELECT owner_id, credits_posted - debits_posted FROM ledger_account "
    "WHERE owner_id = ANY(:ids) AND kind = 'WALLET' ORDER BY owner_id"
)
COUNTERS = text(
    "SELECT a.owner_id, o.amount FROM ledger_daily_outflow o JOIN ledger_account a "
    "ON a.id = o.account_id WHERE a.owner_id = ANY(:ids) AND o.reason = 'P2P' "
    "ORDER BY a.owner_id"
)
EVENTS = text(  # every wallet.changed of the transfers, without their random journal ids
    "SELECT audience, payload - 'journal_id' FROM outbox_event "
    "WHERE type = 'wallet.changed' AND payload->>'reason' = 'P2P' ORDER BY id"
)


async def _state(session: AsyncSession, people: People) -> dict[str, Any]:
    """What the transfers left: balances, today's counters, and the wallet events in order."""
    conn = await session.connection()
    owners = {"ids": people.ids}
    balances = (await conn.execute(BALANCES, owners)).all()
    counters = (await conn.execute(COUNTERS, owners)).all()
    events = (await conn.execute(EVENTS)).all()
    return {"balances": balances, "counters": counters, "events": events}


def _outcome(answer: MoneyMoved | DomainError) -> str:
    return answer.code if isinstance(answer, DomainError) else answer.status


async def _one_at_a_time(
    session: AsyncSession, orders: list[TransferOrder]
) -> list[MoneyMoved | DomainError]:
    outcomes: list[MoneyMoved | DomainError] = []
    for o in orders:
        try:
            outcomes.append(
                await transfer(
                    session=session,
                    clock=FixedClock(NOW),
                    actor=o.actor,
                    recipient_id=o.recipient_id,
                    amount=o.amount,
                    idempotency_key=o.idempotency_key,
                    memo=o.memo,
                )
            )
        except DomainError as refusal:
            outcomes.append(refusal)
    return outcomes


async def _compare(people: People, moves: list[tuple[int, int, int]]) -> None:
    engine = create_async_engine(people.database_url, pool_size=1)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    orders = [people.order(s, r, m, f"k{i}") for i, (s, r, m) in enumerate(moves)]
    try:
        async with sessions() as session:  # each run rolls back: both start from one state
            alone = await _one_at_a_time(session, orders)
            after_alone = await _state(session, people)
            await session.rollback()
        async with sessions() as session:
            results = await transfer_batch(session, clock=FixedClock(NOW), orders=orders)
            after_batch = await _state(session, people)
            await session.rollback()
    finally:
        await engine.dispose()
    batched = [r.refusal if r.refusal is not None else r.unwrap() for r in results]
    assert [_outcome(a) for a in batched] == [_outcome(a) for a in alone]
    assert after_batch == after_alone


amount = st.one_of(st.integers(1, 2_500_000), st.sampled_from([1_500_000, 2_000_000, 2_500_000]))
sender = st.sampled_from([0, 0, 0, 1, 2, 3])  # the richest sends most: it meets its limit
move = st.tuples(sender, st.integers(0, 4), amount).filter(lambda m: m[0] != m[1])


@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(move, min_size=1, max_size=16))
@example(
    moves=[
        (0, 1, 2_500_000),
        (0, 2, 2_500_000),
        (0, 1, 100),
        (2, 3, 900_000),
        (2, 1, 900_000),
        (3, 0, 50),
        (1, 4, 10),
    ]
)
def test_a_batch_decides_as_the_same_transfers_one_at_a_time(
    people: People, moves: list[tuple[int, int, int]]
) -> None:
    asyncio.run(_compare(people, moves))


@pytest.fixture
async def sessions(people: People) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(people.database_url, pool_size=5)
    yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await engine.dispose()


async def test_a_refused_transfer_leaves_the_rest_of_its_batch_and_keeps_its_refusal(
    people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    orders = [
        people.order(2, 1, 600_000, "a"),
        people.order(2, 0, 600_000, "b"),
        people.order(2, 0, 300_000, "c"),
    ]
    async with sessions() as session:
        results = await transfer_batch(session, clock=FixedClock(NOW), orders=orders)
        await session.commit()
    assert [r.refusal.code if r.refusal else "OK" for r in results] == [
        "OK",
        "INSUFFICIENT_FUNDS",
        "OK",
    ]
    assert results[2].wallet is not None
    assert results[2].wallet.available.minor == 100_000
    async with sessions() as session:  # the refused key replays its refusal, moving nothing
        [replay] = await transfer_batch(session, clock=FixedClock(NOW), orders=orders[1:2])
        await session.commit()
    assert replay.refusal is not None
    assert replay.refusal.code == "INSUFFICIENT_FUNDS"
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_the_queue_batches_concurrent_callers_and_answers_each_once(
    people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    queue = TransferQueue(sessions, FixedClock(NOW))
    orders = [people.order(i % 3, (i + 1) % 3, 1_000 + i, f"q{i}") for i in range(30)]
    again = people.order(0, 1, 1_000, "q0")  # the same key and input as the first: a replay
    results = await asyncio.gather(*(queue.submit(o) for o in [*orders, again, again]))
    answers = [r.unwrap() for r in results]
    assert len({a.transfer_id for a in answers}) == 30  # 30 transfers for 32 callers
    assert answers[30] == answers[31] == answers[0]
    assert queue.orders == 32
    assert queue.batches < 30
    async with sessions() as session:
        report = await verify_ledger(session)
        moved = await (await session.connection()).scalar(
            text("SELECT count(*) FROM ledger_transfer WHERE reason = 'P2P'")
        )
    assert report.consistent
    assert moved == 30


async def test_a_key_reused_for_another_transfer_is_refused_by_the_queue(
    people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    queue = TransferQueue(sessions, FixedClock(NOW))
    first = await queue.submit(people.order(0, 1, 100, "same"))
    other = await queue.submit(people.order(0, 1, 200, "same"))
    assert first.answer is not None
    assert first.wallet is not None
    assert other.refusal is not None
    assert other.refusal.code == "IDEMPOTENCY_KEY_REUSED"


async def test_bad_input_is_refused_before_anything_is_claimed(
    people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    queue = TransferQueue(sessions, FixedClock(NOW))
    for order, field in [
        (people.order(0, 1, 0, "z"), "amount"),
        (people.order(0, 0, 5, "z"), "recipient_id"),
        (people.order(0, 1, 5, "bad key!"), "idempotency_key"),
    ]:
        with pytest.raises(DomainError) as refused:
            await queue.submit(order)
        assert refused.value.field == field
    assert queue.batches == 0
