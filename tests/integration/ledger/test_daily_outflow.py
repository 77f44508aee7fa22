"""The ledger's daily outflow counters: what left each wallet per UTC day and reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.balances import TransferKind
from domain.ledger.services.holds import post_hold, void_hold
from domain.ledger.services.posting import Leg, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]
COUNTERS = text("SELECT day, reason, amount FROM ledger_daily_outflow WHERE account_id = :id")


async def counters(sessions: Sessions, wallet: int) -> set[tuple[str, str, int]]:
    async with sessions() as session:
        rows = await (await session.connection()).execute(COUNTERS, {"id": wallet})
        return {(row.day.isoformat(), row.reason, row.amount) for row in rows}


async def test_postings_count_holds_count_until_voided_and_each_day_starts_afresh(
    sessions: Sessions,
) -> None:
    _, (wallet, shop) = await funded_wallets(sessions, [10_000, 0])
    tomorrow = NOW + timedelta(days=1)
    async with sessions() as session:
        first = await post_transfers(session, legs=[Leg(wallet, shop, 100, "P2P")], now=NOW)
        second = await post_transfers(session, legs=[Leg(wallet, shop, 50, "P2P")], now=NOW)
        holds = [Leg(wallet, shop, 700, "WITHDRAWAL"), Leg(wallet, shop, 300, "WITHDRAWAL")]
        held = await post_transfers(session, legs=holds, now=NOW, kind=TransferKind.PENDING)
        # a partial capture keeps the whole hold counted; a void gives it back, on its own day
        await post_hold(session, hold_id=held[0], now=tomorrow, amount=200)
        await void_hold(session, hold_id=held[1], now=tomorrow)
        next_day = await post_transfers(session, legs=[Leg(wallet, shop, 30, "P2P")], now=tomorrow)
        await session.commit()

    assert first.outflow_today == {(wallet, "P2P"): 100}
    assert second.outflow_today == {(wallet, "P2P"): 150}
    assert held.outflow_today == {(wallet, "WITHDRAWAL"): 1_000}
    assert next_day.outflow_today == {(wallet, "P2P"): 30}
    assert await counters(sessions, wallet) == {
        ("2026-11-22", "P2P", 150),
        ("2026-11-22", "WITHDRAWAL", 700),
        ("2026-11-23", "P2P", 30),
    }
    assert await counters(sessions, shop) == set()  # a credited wallet sent nothing
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_verify_finds_a_counter_that_disagrees_with_the_journal(sessions: Sessions) -> None:
    _, (wallet, shop) = await funded_wallets(sessions, [1_000, 0])
    async with sessions() as session:
        await post_transfers(session, legs=[Leg(wallet, shop, 100, "P2P")], now=NOW)
        await session.commit()
        sound = await verify_ledger(session)
        await session.commit()
        await (await session.connection()).execute(
            text("UPDATE ledger_daily_outflow SET amount = amount - 1 WHERE account_id = :id"),
            {"id": wallet},
        )
        await session.commit()
        tampered = await verify_ledger(session)

    assert sound.consistent
    assert sound.miscounted_outflows == []
    assert not tampered.consistent
    assert tampered.miscounted_outflows == [wallet]
    assert tampered.mismatched_accounts == []  # the balances themselves are sound
