"""The outbox: an event exists if and only if the transaction that recorded it committed."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.events.correlation import current_correlation_id
from domain.events.repository import OUTBOX
from domain.events.services.outbox import record_event
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.errors import InsufficientFunds
from domain.ledger.services.accounts import open_account
from domain.ledger.services.holds import void_hold
from domain.ledger.services.posting import Leg, post_transfers
from domain.participants.credentials import ParticipantKind
from domain.participants.tables import Participant
from support.ledger import NOW

Sessions = async_sessionmaker[AsyncSession]


async def outbox(sessions: Sessions) -> list[dict[str, object]]:
    async with sessions() as session:
        rows = await (await session.connection()).execute(select(OUTBOX).order_by(OUTBOX.c.id))
        return [dict(row._mapping) for row in rows]


async def record_match(session: AsyncSession, audience: list[object]) -> None:
    await record_event(
        session,
        EventType.MATCH_CREATED,
        aggregate_type="Loan",
        aggregate_id="L1",
        audience=audience,
        payload={"loan_id": "L1"},
        occurred_at=NOW,
    )


async def test_a_committed_transaction_leaves_its_event(sessions: Sessions) -> None:
    borrower = uuid4()
    token = current_correlation_id.set("req-42")
    try:
        async with sessions() as session:
            await record_match(session, [borrower, borrower])
            await session.commit()
    finally:
        current_correlation_id.reset(token)

    [event] = await outbox(sessions)
    assert event["type"] == "lending.match_created"
    assert event["topic"] == "lending"
    assert event["version"] == 1
    assert event["audience"] == [borrower]  # each participant once
    assert event["correlation_id"] == "req-42"
    assert event["position"] is None  # the relay's to do
    assert event["published_at"] is None


async def test_a_rolled_back_transaction_leaves_no_event(sessions: Sessions) -> None:
    async with sessions() as session:
        await record_match(session, [uuid4()])
        await session.rollback()

    async def failing_use_case() -> None:
        async with sessions() as session, session.begin():
            await record_match(session, [uuid4()])
            raise RuntimeError("the use case failed after recording")

    with pytest.raises(RuntimeError):
        await failing_use_case()

    assert await outbox(sessions) == []


async def _owned_wallets(sessions: Sessions) -> tuple[int, int, object]:
    owner = Participant(
        kind=ParticipantKind.PERSON.value,
        display_name="Han Meimei",
        password_hash="x",
        email=f"{uuid4().hex}@example.com",
        roles=["INVESTOR"],
        created_at=NOW,
        updated_at=NOW,
    )
    async with sessions() as session:
        session.add(owner)
        await session.flush()
        settlement = await open_account(
            session, kind=AccountKind.SETTLEMENT, currency="CNY", now=NOW, label="bank"
        )
        wallet = await open_account(
            session, kind=AccountKind.WALLET, currency="CNY", owner_id=owner.id, now=NOW
        )
        await session.commit()
    return settlement, wallet, owner.id


async def test_every_posting_on_a_wallet_tells_its_owner(sessions: Sessions) -> None:
    settlement, wallet, owner = await _owned_wallets(sessions)

    async with sessions() as session:
        await post_transfers(session, legs=[Leg(settlement, wallet, 10_000, "DEPOSIT")], now=NOW)
        [hold] = await post_transfers(
            session,
            legs=[Leg(wallet, settlement, 2_500, "WITHDRAWAL")],
            now=NOW,
            kind=TransferKind.PENDING,
        )
        await void_hold(session, hold_id=hold, now=NOW)
        await session.commit()

    events = await outbox(sessions)
    assert [e["type"] for e in events] == ["wallet.changed"] * 3
    assert all(e["audience"] == [owner] for e in events)
    balances = [(e["payload"]["available"], e["payload"]["held"]) for e in events]  # type: ignore[index]
    assert balances == [(10_000, 0), (7_500, 2_500), (10_000, 0)]
    assert [e["payload"]["reason"] for e in events] == ["DEPOSIT", "WITHDRAWAL", "WITHDRAWAL"]  # type: ignore[index]


async def test_a_refused_posting_tells_no_one(sessions: Sessions) -> None:
    settlement, wallet, _ = await _owned_wallets(sessions)

    async with sessions() as session:
        with pytest.raises(InsufficientFunds):
            await post_transfers(session, legs=[Leg(wallet, settlement, 1, "WITHDRAWAL")], now=NOW)
        await session.commit()

    assert await outbox(sessions) == []
