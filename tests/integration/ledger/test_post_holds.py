"""Capturing or releasing several holds at once: every hold resolved in full, balances (and
the daily outflow given back) as if one by one, and nothing at all if any of them is no
longer pending."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.balances import TransferKind
from domain.ledger.errors import HoldNotPending
from domain.ledger.services.holds import post_holds, void_hold, void_holds
from domain.ledger.services.outflow import outflow_today
from domain.ledger.services.posting import Leg, lock_accounts, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]


async def _holds(sessions: Sessions, legs: list[Leg]) -> list:  # type: ignore[type-arg]
    async with sessions() as session:
        ids = [
            (await post_transfers(session, legs=[leg], now=NOW, kind=TransferKind.PENDING))[0]
            for leg in legs
        ]
        await session.commit()
    return ids


async def _three_holds(sessions: Sessions) -> tuple[int, int, int, list]:  # type: ignore[type-arg]
    """Two wallets' holds into an escrow: 300 and 100 from the first, 200 from the second."""
    _, (first, second, escrow) = await funded_wallets(sessions, [1_000, 500, 0])
    holds = await _holds(
        sessions,
        [Leg(first, escrow, 300, "F"), Leg(second, escrow, 200, "F"), Leg(first, escrow, 100, "F")],
    )
    return first, second, escrow, holds


async def _available(sessions: Sessions, *ids: int) -> list[tuple[int, int]]:
    async with sessions() as session:
        locked = await lock_accounts(session, set(ids))
    return [(locked[i].balances.available_credit, locked[i].balances.debits_pending) for i in ids]


async def test_several_holds_from_several_accounts_are_captured_in_one_go(
    sessions: Sessions,
) -> None:
    first, second, escrow, holds = await _three_holds(sessions)

    async with sessions() as session:
        await post_holds(session, hold_ids=holds, now=NOW)
        await session.commit()

    assert await _available(sessions, first, second, escrow) == [(600, 0), (300, 0), (600, 0)]
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_nothing_is_captured_when_one_hold_was_already_resolved(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    holds = await _holds(sessions, [Leg(buyer, escrow, 300, "F"), Leg(buyer, escrow, 200, "F")])
    async with sessions() as session:
        await void_hold(session, hold_id=holds[1], now=NOW)
        await session.commit()

    async with sessions() as session:
        with pytest.raises(HoldNotPending):
            await post_holds(session, hold_ids=holds, now=NOW)

    assert await _available(sessions, buyer, escrow) == [(700, 300), (0, 0)]


async def test_several_holds_are_released_in_one_go_and_give_back_their_day(
    sessions: Sessions,
) -> None:
    first, second, escrow, holds = await _three_holds(sessions)
    async with sessions() as session:
        counted = await outflow_today(session, [first, second], "F", NOW)

    async with sessions() as session:
        await void_holds(session, hold_ids=holds, now=NOW)
        await session.commit()

    assert counted == {first: 400, second: 200}
    assert await _available(sessions, first, second, escrow) == [(1_000, 0), (500, 0), (0, 0)]
    async with sessions() as session:
        assert await outflow_today(session, [first, second], "F", NOW) == {first: 0, second: 0}
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_nothing_is_released_when_one_hold_was_already_resolved(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    holds = await _holds(sessions, [Leg(buyer, escrow, 300, "F"), Leg(buyer, escrow, 200, "F")])
    async with sessions() as session:
        await post_holds(session, hold_ids=holds[:1], now=NOW)
        await session.commit()

    async with sessions() as session:
        with pytest.raises(HoldNotPending):
            await void_holds(session, hold_ids=holds, now=NOW)

    assert await _available(sessions, buyer, escrow) == [(500, 200), (300, 0)]
