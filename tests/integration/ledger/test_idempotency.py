"""run_once: same key and input, one execution and the same answer; refusals stick too."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.audit.tables import AuditEntry
from domain.clock import FixedClock
from domain.errors import DomainError, InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import IdempotencyKeyReused, run_once
from domain.idempotency.services.pruning import prune_expired_keys
from domain.ledger.services.posting import Leg, post_transfers
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]
TRANSFERS = text("SELECT count(*) FROM ledger_transfer WHERE reason = 'P2P'")


@dataclass(frozen=True, slots=True)
class Moved(StoredAnswer):
    transfers: tuple[UUID, ...]


def person() -> Actor:
    return Actor(ActorKind.PERSON, participant_id=uuid4())


async def pay(
    sessions: Sessions,
    actor: Actor,
    key: str,
    debit: int,
    credit: int,
    amount: int,
    clock: FixedClock | None = None,
) -> dict[str, Any]:
    """One idempotent wallet-to-wallet payment, in its own transaction like a request."""
    clock = clock or FixedClock(NOW)
    async with sessions() as session:

        async def execute() -> Moved:
            ids = await post_transfers(
                session, legs=[Leg(debit, credit, amount, "P2P")], now=clock.now()
            )
            return Moved(transfers=tuple(ids))

        try:
            answer = await run_once(
                session,
                actor=actor,
                clock=clock,
                key=key,
                operation="wallet.transfer",
                request={"from": debit, "to": credit, "amount": amount},
                execute=execute,
                answer=Moved,
            )
        except DomainError as error:
            if error.keeps_changes:
                await session.commit()
            return {"error": error.code}
        await session.commit()
        return answer.to_stored()  # as kept for the key


async def scalar(sessions: Sessions, query: Any) -> int:
    """In a transaction of its own (activity statistics are read once per transaction)."""
    async with sessions() as session:
        return int((await (await session.connection()).execute(query)).scalar_one())


async def count_transfers(sessions: Sessions) -> int:
    return await scalar(sessions, TRANSFERS)


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


async def count_records(sessions: Sessions) -> int:
    return await scalar(sessions, text("SELECT count(*) FROM idempotency_record"))


async def test_pruning_deletes_expired_keys_only_and_live_ones_still_replay(
    sessions: Sessions,
) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor = person()
    clock = FixedClock(NOW)
    for n in range(7):
        await pay(sessions, actor, f"old-{n}", a, b, 10, clock)
    clock.advance(timedelta(hours=20))
    live = await pay(sessions, actor, "live", a, b, 10, clock)
    clock.advance(timedelta(hours=5))

    assert await prune_expired_keys(sessions, clock, batch=3) == 7  # in batches of 3, 3, 1
    assert await count_records(sessions) == 1
    assert await prune_expired_keys(sessions, clock) == 0

    assert await pay(sessions, actor, "live", a, b, 10, clock) == live
    assert await count_transfers(sessions) == 8
    await pay(sessions, actor, "old-0", a, b, 10, clock)  # a pruned key is a new key
    assert await count_transfers(sessions) == 9


async def test_a_key_pruned_between_its_claims_insert_and_select_is_claimed_anew(
    sessions: Sessions,
) -> None:
    """The narrowest race: the claim's INSERT meets the expired record, pruning deletes it
    before the claim's SELECT ... FOR UPDATE reads it; the claim takes the key anew."""
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor = person()
    clock = FixedClock(NOW)
    await pay(sessions, actor, "narrow", a, b, 10, clock)
    clock.advance(timedelta(hours=25))

    async with sessions() as pruner:
        conn = await pruner.connection()
        lock = text("SELECT id FROM idempotency_record WHERE key = 'narrow' FOR UPDATE")
        await conn.execute(lock)  # holds the record, as pruning's SELECT ... FOR UPDATE does
        claim = asyncio.create_task(pay(sessions, actor, "narrow", a, b, 10, clock))
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        for _ in range(1000):  # until its SELECT waits on our lock (10 s at most)
            if await scalar(sessions, waiting):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the claim never waited on the record's lock")
        await conn.execute(text("DELETE FROM idempotency_record WHERE key = 'narrow'"))
        await pruner.commit()
        answer = await claim

    assert "transfers" in answer
    assert await count_transfers(sessions) == 2
    assert await pay(sessions, actor, "narrow", a, b, 10, clock) == answer


async def test_keys_taken_again_while_pruning_runs_execute_exactly_once(
    sessions: Sessions,
) -> None:
    """Pruning races claims of the same expired keys: each claim either takes the old record
    or, once pruning deleted it, claims the key anew; never both, never neither."""
    _, (a, b) = await funded_wallets(sessions, [100_000, 0])
    actor = person()
    clock = FixedClock(NOW)
    keys = [f"k-{n}" for n in range(40)]
    for key in keys:
        await pay(sessions, actor, key, a, b, 1, clock)
    clock.advance(timedelta(hours=25))

    results = await asyncio.gather(
        *(pay(sessions, actor, key, a, b, 1, clock) for key in keys),
        *(prune_expired_keys(sessions, clock, batch=4) for _ in range(4)),
    )

    assert all("transfers" in answer for answer in results[: len(keys)])
    assert await count_transfers(sessions) == 2 * len(keys)
    again = [await pay(sessions, actor, key, a, b, 1, clock) for key in keys]
    assert again == results[: len(keys)]  # every key kept its new answer
    assert await count_transfers(sessions) == 2 * len(keys)


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "emoji-🙂"])
async def test_malformed_keys_are_refused(sessions: Sessions, key: str) -> None:
    async def never() -> Moved:
        raise AssertionError("must not run")

    async with sessions() as session:
        with pytest.raises(InvalidInput) as refused:
            await run_once(
                session,
                actor=person(),
                clock=FixedClock(NOW),
                key=key,
                operation="x",
                request={},
                execute=never,
                answer=Moved,
            )
    assert refused.value.field == "idempotency_key"


async def test_a_refused_attempt_leaves_only_its_answer_behind(sessions: Sessions) -> None:
    """Rows the refused attempt wrote (flushed or still pending in the ORM) are undone; the
    refusal itself is kept."""

    def entry(action: str) -> AuditEntry:
        return AuditEntry(occurred_at=NOW, actor_kind="PERSON", action=action, outcome="SUCCESS")

    async with sessions() as session:

        async def execute() -> Moved:
            session.add(entry("test.flushed"))
            await session.flush()
            session.add(entry("test.pending"))
            raise InvalidInput("refused after writing", field="amount")

        with pytest.raises(InvalidInput) as refused:
            await run_once(
                session,
                actor=person(),
                clock=FixedClock(NOW),
                key="refused-after-writes",
                operation="test.refusal",
                request={},
                execute=execute,
                answer=Moved,
            )
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


@dataclass(frozen=True, slots=True)
class Posted(StoredAnswer):
    transfer_id: UUID
    count: int


async def test_a_typed_answer_is_replayed_as_the_same_typed_object(sessions: Sessions) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    actor, answers = person(), []
    for _ in range(2):
        async with sessions() as session:

            async def execute() -> Posted:
                ids = await post_transfers(session, legs=[Leg(a, b, 5, "P2P")], now=NOW)
                return Posted(transfer_id=ids[0], count=len(ids))

            answers.append(
                await run_once(
                    session,
                    actor=actor,
                    clock=FixedClock(NOW),
                    key="typed",
                    operation="x",
                    request={},
                    execute=execute,
                    answer=Posted,
                )
            )
            await session.commit()

    assert answers[0] == answers[1]
    assert isinstance(answers[1], Posted)
    assert await count_transfers(sessions) == 1
