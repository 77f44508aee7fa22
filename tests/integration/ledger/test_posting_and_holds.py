"""Posting, holds and verification against real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.errors import CurrencyMismatch, HoldExpired, HoldNotPending, InsufficientFunds
from domain.ledger.services.accounts import open_account
from domain.ledger.services.holds import post_hold, void_hold
from domain.ledger.services.posting import Leg, lock_accounts, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]


async def balances(sessions: Sessions, *ids: int) -> list[tuple[int, int]]:
    """(available, held) of each account."""
    async with sessions() as session:
        locked = await lock_accounts(session, set(ids))
    return [(locked[i].balances.available_credit, locked[i].balances.debits_pending) for i in ids]


async def consistent(sessions: Sessions) -> bool:
    async with sessions() as session:
        return (await verify_ledger(session)).consistent


async def test_a_multi_leg_operation_posts_every_leg(sessions: Sessions) -> None:
    _, (buyer, merchant, platform) = await funded_wallets(sessions, [10_000, 0, 0])

    async with sessions() as session:
        ids = await post_transfers(
            session,
            legs=[Leg(buyer, merchant, 9_700, "PAYMENT"), Leg(buyer, platform, 300, "FEE")],
            now=NOW,
        )
        await session.commit()

    assert len(ids) == 2
    assert await balances(sessions, buyer, merchant, platform) == [(0, 0), (9_700, 0), (300, 0)]
    assert await consistent(sessions)


async def test_one_failing_leg_leaves_everything_untouched(sessions: Sessions) -> None:
    _, (buyer, merchant) = await funded_wallets(sessions, [1_000, 0])

    async with sessions() as session:
        with pytest.raises(InsufficientFunds):
            await post_transfers(
                session,
                legs=[Leg(buyer, merchant, 600, "PAYMENT"), Leg(buyer, merchant, 600, "PAYMENT")],
                now=NOW,
            )
        await session.rollback()

    assert await balances(sessions, buyer, merchant) == [(1_000, 0), (0, 0)]
    assert await consistent(sessions)


async def test_currencies_never_mix(sessions: Sessions) -> None:
    _, (cny,) = await funded_wallets(sessions, [1_000])
    async with sessions() as session:
        usd = await open_account(session, kind=AccountKind.WALLET, currency="USD", now=NOW)
        with pytest.raises(CurrencyMismatch):
            await post_transfers(session, legs=[Leg(cny, usd, 100, "FX")], now=NOW)


@pytest.mark.parametrize(("amount", "field"), [(0, "amount"), (-5, "amount")])
async def test_amounts_must_be_positive(sessions: Sessions, amount: int, field: str) -> None:
    _, (a, b) = await funded_wallets(sessions, [1_000, 0])
    async with sessions() as session:
        with pytest.raises(InvalidInput) as refused:
            await post_transfers(session, legs=[Leg(a, b, amount, "X")], now=NOW)
    assert refused.value.field == field


async def test_a_hold_reserves_funds_and_a_partial_capture_releases_the_rest(
    sessions: Sessions,
) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    async with sessions() as session:
        [hold] = await post_transfers(
            session, legs=[Leg(buyer, escrow, 800, "ESCROW")], now=NOW, kind=TransferKind.PENDING
        )
        await session.commit()
    held = await balances(sessions, buyer)

    async with sessions() as session:
        with pytest.raises(InsufficientFunds):  # only 200 is available while 800 is held
            await post_transfers(session, legs=[Leg(buyer, escrow, 300, "X")], now=NOW)
    async with sessions() as session:
        await post_hold(session, hold_id=hold, now=NOW, amount=500)
        await session.commit()

    assert held == [(200, 800)]
    assert await balances(sessions, buyer, escrow) == [(500, 0), (500, 0)]
    assert await consistent(sessions)


async def test_a_hold_resolves_once(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    async with sessions() as session:
        [hold] = await post_transfers(
            session, legs=[Leg(buyer, escrow, 400, "ESCROW")], now=NOW, kind=TransferKind.PENDING
        )
        await void_hold(session, hold_id=hold, now=NOW)
        await session.commit()

    async with sessions() as session:
        with pytest.raises(HoldNotPending):
            await post_hold(session, hold_id=hold, now=NOW)

    assert await balances(sessions, buyer, escrow) == [(1_000, 0), (0, 0)]


async def test_an_expired_hold_cannot_be_captured_but_can_be_voided(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    async with sessions() as session:
        [hold] = await post_transfers(
            session,
            legs=[Leg(buyer, escrow, 400, "ESCROW")],
            now=NOW,
            kind=TransferKind.PENDING,
            expires_at=NOW + timedelta(hours=1),
        )
        await session.commit()

    later = NOW + timedelta(hours=2)
    async with sessions() as session:
        with pytest.raises(HoldExpired):
            await post_hold(session, hold_id=hold, now=later)
    async with sessions() as session:
        await void_hold(session, hold_id=hold, now=later, expired=True)
        await session.commit()

    assert await balances(sessions, buyer) == [(1_000, 0)]


async def test_the_journal_is_append_only_and_the_database_refuses_overdrafts(
    sessions: Sessions,
) -> None:
    _, (wallet,) = await funded_wallets(sessions, [100])

    async with sessions() as session:
        for statement in ("UPDATE ledger_transfer SET amount = 1", "DELETE FROM ledger_transfer"):
            with pytest.raises(DBAPIError, match="append-only"):
                await (await session.connection()).execute(text(statement))
            await session.rollback()
        with pytest.raises(IntegrityError, match="debits_within_credits"):
            await (await session.connection()).execute(
                text("UPDATE ledger_account SET debits_posted = 101 WHERE id = :id"),
                {"id": wallet},
            )
        await session.rollback()


async def test_verify_finds_a_cached_balance_that_disagrees_with_the_journal(
    sessions: Sessions,
) -> None:
    _, (wallet,) = await funded_wallets(sessions, [100])
    async with sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE ledger_account SET credits_posted = 99 WHERE id = :id"), {"id": wallet}
        )
        await session.commit()

    async with sessions() as session:
        report = await verify_ledger(session)

    assert report.mismatched_accounts == [wallet]
    assert not report.consistent
