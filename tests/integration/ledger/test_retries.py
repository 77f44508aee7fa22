"""A deadlock victim's transaction is replayed by the unit of work instead of failing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from graph.payloads import run_mutation
from support.ledger import funded_wallets

LOCK = text("SELECT id FROM ledger_account WHERE id = :id FOR UPDATE")


async def test_a_deadlock_victim_is_retried_and_both_succeed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # given two transactions that lock the same two rows in opposite orders
    _, (a, b) = await funded_wallets(sessions, [1, 1])
    info: Any = SimpleNamespace(context=SimpleNamespace(db=sessions))
    both_hold_their_first = asyncio.Barrier(2)
    attempts = {"ab": 0, "ba": 0}

    def locking(first: int, second: int, name: str):  # type: ignore[no-untyped-def]
        async def use_case(session: AsyncSession) -> str:
            attempts[name] += 1
            conn = await session.connection()
            await conn.execute(LOCK, {"id": first})
            if attempts[name] == 1:  # only the first attempts meet, to force one deadlock
                await both_hold_their_first.wait()
            await conn.execute(LOCK, {"id": second})
            return name

        return use_case

    # when both run through the unit of work
    results = await asyncio.gather(
        run_mutation(info, lambda errors: "refused", locking(a, b, "ab")),
        run_mutation(info, lambda errors: "refused", locking(b, a, "ba")),
    )

    # then PostgreSQL broke the deadlock, and the victim was replayed to success
    assert sorted(results) == ["ab", "ba"]
    assert sorted(attempts.values()) == [1, 2]
