"""The ledger's daily revenue counters: what each revenue account was credited and debited
per UTC day, posted money only, recomputed by `agora ledger verify`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.holds import post_hold, post_holds, void_hold
from domain.ledger.services.posting import Leg, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]
COUNTERS = text(
    "SELECT day, credited, debited FROM ledger_daily_revenue WHERE account_id = :id ORDER BY day"
)


async def counters(sessions: Sessions, account: int) -> list[tuple[str, int, int]]:
    async with sessions() as session:
        rows = await (await session.connection()).execute(COUNTERS, {"id": account})
        return [(row.day.isoformat(), row.credited, row.debited) for row in rows]


async def _revenue_account(sessions: Sessions, stream: str) -> int:
    async with sessions() as session:
        account = await open_account(
            session, kind=AccountKind.PLATFORM_REVENUE, currency="CNY", now=NOW, label=stream
        )
        await session.commit()
    return account


async def test_fees_count_when_posted_holds_when_captured_and_refunds_as_given_back(
    sessions: Sessions,
) -> None:
    _, (payer, other) = await funded_wallets(sessions, [10_000, 0])
    fees = await _revenue_account(sessions, "test_fee")
    tomorrow = NOW + timedelta(days=1)
    async with sessions() as session:
        await post_transfers(session, legs=[Leg(payer, fees, 100, "FEE")], now=NOW)
        await post_transfers(session, legs=[Leg(payer, other, 500, "P2P")], now=NOW)
        held = await post_transfers(
            session,
            legs=[
                Leg(payer, fees, 70, "FEE"),
                Leg(payer, fees, 30, "FEE"),
                Leg(payer, fees, 9, "FEE"),
            ],
            now=NOW,
            kind=TransferKind.PENDING,
        )
        # a hold counts on the day it is captured, by what is captured; a void never counts
        await post_hold(session, hold_id=held[0], now=tomorrow, amount=50)
        await void_hold(session, hold_id=held[1], now=tomorrow)
        await post_holds(session, hold_ids=[held[2]], now=tomorrow)
        await post_transfers(session, legs=[Leg(fees, payer, 40, "FEE_REFUND")], now=tomorrow)
        await session.commit()

    assert await counters(sessions, fees) == [("2026-11-22", 100, 0), ("2026-11-23", 59, 40)]
    assert await counters(sessions, payer) == []  # only revenue accounts are counted
    async with sessions() as session:
        report = await verify_ledger(session)
    assert report.consistent
    assert report.miscounted_revenue == []


async def test_verify_finds_a_revenue_counter_that_disagrees_with_the_journal(
    sessions: Sessions,
) -> None:
    _, (payer,) = await funded_wallets(sessions, [1_000])
    fees = await _revenue_account(sessions, "test_fee")
    async with sessions() as session:
        await post_transfers(session, legs=[Leg(payer, fees, 100, "FEE")], now=NOW)
        await session.commit()
    async with sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE ledger_daily_revenue SET credited = credited + 1 WHERE account_id = :id"),
            {"id": fees},
        )
        await session.commit()
    async with sessions() as session:
        tampered = await verify_ledger(session)
    assert not tampered.consistent
    assert tampered.miscounted_revenue == [fees]
    assert tampered.mismatched_accounts == []
