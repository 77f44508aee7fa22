"""The hold-expiry job: due holds voided once, however many workers run."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.ledger.balances import TransferKind
from domain.ledger.services.expire_holds import expire_due_holds
from domain.ledger.services.posting import Leg, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.ledger import NOW, funded_wallets
from support.server import run_agora
from support.stores import StoreUrls

Sessions = async_sessionmaker[AsyncSession]
VOIDS = text("SELECT count(*) FROM ledger_transfer WHERE kind = 'VOID_PENDING'")


async def hold(
    sessions: Sessions, debit: int, credit: int, amount: int, minutes: int, *, at: datetime = NOW
) -> None:
    """A hold placed `at`, expiring `minutes` later."""
    async with sessions() as session:
        await post_transfers(
            session,
            legs=[Leg(debit, credit, amount, "ESCROW")],
            now=at,
            kind=TransferKind.PENDING,
            expires_at=at + timedelta(minutes=minutes),
        )
        await session.commit()


async def voids(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await (await session.connection()).execute(VOIDS)).scalar_one())


async def test_only_due_holds_are_voided(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    await hold(sessions, buyer, escrow, 100, minutes=10)
    await hold(sessions, buyer, escrow, 200, minutes=60)

    voided = await expire_due_holds(sessions, FixedClock(NOW + timedelta(minutes=30)))

    assert voided == 1
    async with sessions() as session:
        report = await verify_ledger(session)
    assert report.consistent


async def test_four_workers_void_forty_holds_exactly_once(sessions: Sessions) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [100_000, 0])
    for _ in range(40):
        await hold(sessions, buyer, escrow, 100, minutes=1)
    later = FixedClock(NOW + timedelta(hours=1))

    counts = await asyncio.gather(*(expire_due_holds(sessions, later) for _ in range(4)))

    assert sum(counts) == 40
    assert await voids(sessions) == 40
    assert await expire_due_holds(sessions, later) == 0


async def test_agora_worker_once_runs_the_jobs(sessions: Sessions, clean_stores: StoreUrls) -> None:
    _, (buyer, escrow) = await funded_wallets(sessions, [1_000, 0])
    # placed and expired long before any real clock reading: due now
    await hold(sessions, buyer, escrow, 100, minutes=1, at=NOW - timedelta(days=30))

    env = {"DATABASE_URL": clean_stores.database_url, "AGORA_LOG_LEVEL": "info"}
    result = await asyncio.to_thread(run_agora, "worker", "--once", env=env)

    assert result.returncode == 0, result.stderr
    assert '"job": "hold-expiry"' in result.stderr
    assert await voids(sessions) == 1
