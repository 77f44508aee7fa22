"""run_once: same key and input, one execution and the same answer; refusals stick too."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.audit.tables import AuditEntry
from domain.clock import FixedClock
from domain.errors import DomainError, InvalidInput
from domain.idempotency.service import IdempotencyKeyReused, run_once
from domain.ledger.services.posting import Leg, post_transfers
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]
TRANSFERS = text("SELECT count(*) FROM ledger_transfer WHERE reason = 'P2P'")


def person() -> Actor:
    return Actor(ActorKind.PERSON, participant_id=uuid4())


async def pay(
    sessions: Sessions, actor: Actor, key: str, debit: int, credit: int, amount: int,
    clock: FixedClock | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One idempotent wallet-to-wallet payment, in its own transaction like a request."""
    clock = clock or FixedClock(NOW)
    async with sessions() as session:

        async def execute() -> dict[str, Any]:
            ids = await post_transfers(
                session, legs=[Leg(debit, credit, amount, "P2P")], now=clock.now()
            )
            return {"transfers": [str(i) for i in ids]}

        try:
            answer = await run_once(
                session, actor=actor, clock=clock, key=key, operation="wallet.transfer",
                request={"from": debit, "to": credit, "amount": amount}, execute=execute,
            )  # fmt: skip
        except DomainError as error:
            if error.keeps_changes:
                await session.commit()
            return {"error": error.code}
        await session.commit()
        return answer


async def count_transfers(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await (await session.connection()).execute(TRANSFERS)).scalar_one())


async def test_a_repeated_request_returns_the_first_answer_and_moves_money_once(
    sessions: Sessions,
) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor = person()

    first = await pay(sessions, actor, "order-1", a, b, 300)
    again = await pay(sessions, actor, "order-1", a, b, 300)

    assert first == again
    assert "transfers" in first
    assert await count_transfers(sessions) == 1


async def test_the_same_key_for_another_request_is_refused(sessions: Sessions) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor = person()
    await pay(sessions, actor, "order-2", a, b, 300)

    other = await pay(sessions, actor, "order-2", a, b, 301)

    assert other == {"error": IdempotencyKeyReused.code}
    assert await count_transfers(sessions) == 1


async def test_keys_belong_to_their_caller(sessions: Sessions) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])

    await pay(sessions, person(), "shared-key", a, b, 100)
    await pay(sessions, person(), "shared-key", a, b, 100)

    assert await count_transfers(sessions) == 2


async def test_a_refusal_is_the_keys_answer_even_after_funds_arrive(sessions: Sessions) -> None:
    settlement, (a, b) = await funded_wallets(sessions, [100, 0])
    actor = person()

    refused = await pay(sessions, actor, "order-3", a, b, 500)
    async with sessions() as session:
        await post_transfers(session, legs=[Leg(settlement, a, 1_000, "DEPOSIT")], now=NOW)
        await session.commit()
    replayed = await pay(sessions, actor, "order-3", a, b, 500)
    fresh = await pay(sessions, actor, "order-4", a, b, 500)

    assert refused == replayed == {"error": "INSUFFICIENT_FUNDS"}
    assert "transfers" in fresh
    assert await count_transfers(sessions) == 1


async def test_fifty_concurrent_duplicates_execute_once(sessions: Sessions) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor = person()

    answers = await asyncio.gather(*(pay(sessions, actor, "burst", a, b, 250) for _ in range(50)))

    assert len({str(answer) for answer in answers}) == 1
    assert "transfers" in answers[0]
    assert await count_transfers(sessions) == 1


async def test_an_expired_key_may_be_used_again(sessions: Sessions) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor = person()
    clock = FixedClock(NOW)
    await pay(sessions, actor, "daily", a, b, 100, clock)

    clock.advance(timedelta(hours=25))
    await pay(sessions, actor, "daily", a, b, 100, clock)

    assert await count_transfers(sessions) == 2


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "emoji-🙂"])
async def test_malformed_keys_are_refused(sessions: Sessions, key: str) -> None:
    async def never() -> dict[str, Any]:
        raise AssertionError("must not run")

    async with sessions() as session:
        with pytest.raises(InvalidInput) as refused:
            await run_once(
                session, actor=person(), clock=FixedClock(NOW), key=key, operation="x",
                request={}, execute=never,
            )  # fmt: skip
    assert refused.value.field == "idempotency_key"


async def test_a_refused_attempt_leaves_only_its_answer_behind(sessions: Sessions) -> None:
    """Rows the refused attempt wrote (flushed or still pending in the ORM) are undone; the
    refusal itself is kept."""

    def entry(action: str) -> AuditEntry:
        return AuditEntry(occurred_at=NOW, actor_kind="PERSON", action=action, outcome="SUCCESS")

    async with sessions() as session:

        async def execute() -> dict[str, Any]:
            session.add(entry("test.flushed"))
            await session.flush()
            session.add(entry("test.pending"))
            raise InvalidInput("refused after writing", field="amount")

        with pytest.raises(InvalidInput) as refused:
            await run_once(
                session, actor=person(), clock=FixedClock(NOW), key="refused-after-writes",
                operation="test.refusal", request={}, execute=execute,
            )  # fmt: skip
        assert refused.value.keeps_changes
        await session.commit()

        conn = await session.connection()
        entries = await conn.execute(text("SELECT count(*) FROM audit_entry"))
        stored = await conn.execute(text("SELECT outcome, response FROM idempotency_record"))
        assert entries.scalar_one() == 0
        assert [tuple(row) for row in stored] == [
            (
                "REFUSED",
                {"code": "INVALID_INPUT", "message": "refused after writing", "field": "amount"},
            )
        ]
