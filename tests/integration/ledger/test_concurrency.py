"""The ledger under concurrent load on real PostgreSQL: no money created, lost or overdrawn."""

from __future__ import annotations

import asyncio
import random
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.ledger.balances import TransferKind
from domain.ledger.errors import HoldNotPending, InsufficientFunds
from domain.ledger.services.holds import post_hold, void_hold
from domain.ledger.services.posting import Leg, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.ledger import NOW, funded_wallets

Sessions = async_sessionmaker[AsyncSession]
TOTAL = 1_000_000
WALLET_SUM = text(
    "SELECT SUM(credits_posted - debits_posted) FROM ledger_account WHERE kind = 'WALLET'"
)


async def transfer(sessions: Sessions, debit: int, credit: int, amount: int) -> bool:
    async with sessions() as session:
        try:
            await post_transfers(session, legs=[Leg(debit, credit, amount, "P2P")], now=NOW)
        except InsufficientFunds:
            return False
        await session.commit()
        return True


async def test_random_transfers_never_change_the_total_seen_by_any_snapshot(
    sessions: Sessions,
) -> None:
    # given 8 wallets holding 1,000,000 between them
    _, wallets = await funded_wallets(sessions, [TOTAL // 8] * 8)
    deadline = time.monotonic() + 3
    snapshots: list[int] = []
    done = {"ok": 0, "refused": 0}

    async def mover(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            debit, credit = rng.sample(wallets, 2)
            moved = await transfer(sessions, debit, credit, rng.randint(1, 60_000))
            done["ok" if moved else "refused"] += 1

    async def auditor() -> None:
        while time.monotonic() < deadline:
            async with sessions() as session:
                snapshots.append(
                    int((await (await session.connection()).execute(WALLET_SUM)).scalar_one())
                )
            await asyncio.sleep(0.01)

    # when 32 tasks move money at random while 4 others read totals
    await asyncio.gather(*(mover(n) for n in range(32)), *(auditor() for _ in range(4)))

    # then every snapshot saw the same total, and the books agree with the journal
    async with sessions() as session:
        report = await verify_ledger(session)
    assert done["ok"] > 100
    assert snapshots
    assert set(snapshots) == {TOTAL}
    assert report.consistent


async def test_concurrent_debits_of_one_wallet_never_overdraw_it(sessions: Sessions) -> None:
    _, (hot, sink) = await funded_wallets(sessions, [1_000, 0])

    results = await asyncio.gather(*(transfer(sessions, hot, sink, 100) for _ in range(30)))

    assert results.count(True) == 10
    async with sessions() as session:
        report = await verify_ledger(session)
    assert report.consistent


async def test_a_post_and_a_void_racing_on_one_hold_have_one_winner(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    async with sessions() as session:
        [hold] = await post_transfers(
            session, legs=[Leg(buyer, escrow, 700, "ESCROW")], now=NOW, kind=TransferKind.PENDING
        )
        await session.commit()

    async def resolve(capture: bool) -> str:
        async with sessions() as session:
            try:
                if capture:
                    await post_hold(session, hold_id=hold, now=NOW)
                else:
                    await void_hold(session, hold_id=hold, now=NOW)
            except HoldNotPending:
                return "lost"
            except DomainError as error:
                return error.code
            await session.commit()
            return "won"

    outcomes = await asyncio.gather(*(resolve(n % 2 == 0) for n in range(20)))

    assert outcomes.count("won") == 1
    assert outcomes.count("lost") == 19
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent
