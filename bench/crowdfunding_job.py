"""The crowdfunding deadline job for campaigns of 100,000 pledges, against a one-statement
ceiling.

A fresh database (`agora_bench_crowdfunding`, migrated) gets, through the use cases, a creator,
two live all-or-nothing donation campaigns (one whose goal the pledges reach, one whose goal
they do not) and one backer pledging 10.00 to each; SQL then clones that backer (participant,
funded wallet, daily outflow) and both pledges with their ledger holds, to --pledges backers
per campaign (no Python per row). The job is the one `agora worker` runs
(`close_due_campaigns`), run once past the first deadline (success: every hold captured in
one posting, then the payout journal) and once past the second (failure: every hold released
in one posting). Ceiling, same run: one SQL INSERT of the campaign's resolving transfers
(rolled back), what PostgreSQL alone takes to write the resolutions.

    .venv/bin/python bench/crowdfunding_job.py            # ~10 min; --pledges 10000 for a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # its factories
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import migrated_database, plain_url

from domain.clock import FixedClock
from domain.crowdfunding.services.outcome import close_due_campaigns
from domain.crowdfunding.states import FundingModel
from support.crowdfunding import backer, creator, donation_campaign, live_campaign, pledge

ALL_OR_NOTHING = FundingModel.ALL_OR_NOTHING
DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_crowdfunding"
PLEDGE = 1_000  # 10.00 CNY
START = datetime(2026, 12, 1, 9, tzinfo=UTC)

# Clones of the template backer {template} (wallet {wallet}) as backers 1..{n}; each clone's
# wallet gets id {base} + n. The template's pledges and holds are cloned with them.
CLONE = [
    """
    INSERT INTO participant
    SELECT (jsonb_populate_record(NULL::participant, to_jsonb(t) || jsonb_build_object(
        'id', md5('backer' || n)::uuid, 'email', 'backer' || n || '@bench-crowdfunding.example'
    ))).*
    FROM participant t, generate_series(1, {n}) AS n WHERE t.id = '{template}'
    """,
    """
    INSERT INTO ledger_account
    SELECT (jsonb_populate_record(NULL::ledger_account, to_jsonb(a) || jsonb_build_object(
        'id', {base} + n, 'owner_id', md5('backer' || n)::uuid))).*
    FROM ledger_account a, generate_series(1, {n}) AS n WHERE a.id = {wallet}
    """,
    """
    INSERT INTO ledger_daily_outflow
    SELECT (jsonb_populate_record(NULL::ledger_daily_outflow, to_jsonb(o) || jsonb_build_object(
        'account_id', {base} + n))).*
    FROM ledger_daily_outflow o, generate_series(1, {n}) AS n WHERE o.account_id = {wallet}
    """,
    """
    INSERT INTO ledger_transfer
    SELECT (jsonb_populate_record(NULL::ledger_transfer, to_jsonb(t) || jsonb_build_object(
        'id', md5('hold' || t.id || n)::uuid, 'journal_id', md5('journal' || t.id || n)::uuid,
        'debit_account_id', {base} + n))).*
    FROM ledger_transfer t, generate_series(1, {n}) AS n
    WHERE t.kind = 'PENDING' AND t.debit_account_id = {wallet}
    """,
    """
    INSERT INTO crowdfunding_pledge
    SELECT (jsonb_populate_record(NULL::crowdfunding_pledge, to_jsonb(p) || jsonb_build_object(
        'id', md5('pledge' || p.id || n)::uuid, 'backer_id', md5('backer' || n)::uuid,
        'hold_id', md5('hold' || p.hold_id || n)::uuid,
        'created_at', p.created_at + make_interval(secs => n / 1000.0)))).*
    FROM crowdfunding_pledge p, generate_series(1, {n}) AS n WHERE p.backer_id = '{template}'
    """,
    """
    UPDATE ledger_account a SET credits_pending = a.credits_pending + {n} * t.amount
    FROM ledger_transfer t
    WHERE t.kind = 'PENDING' AND t.debit_account_id = {wallet} AND a.id = t.credit_account_id
    """,
    """
    UPDATE crowdfunding_campaign c SET pledged = c.pledged + {n} * p.amount,
        backers = c.backers + {n}
    FROM crowdfunding_pledge p WHERE p.backer_id = '{template}' AND c.id = p.campaign_id
    """,
]
# What PostgreSQL alone takes to write one campaign's resolutions: one INSERT ... SELECT.
CEILING = """
INSERT INTO ledger_transfer (id, journal_id, kind, debit_account_id, credit_account_id, amount,
    currency, reason, pending_id, expires_at, created_at, details)
SELECT md5('ceiling' || t.id)::uuid, t.journal_id, 'POST_PENDING', t.debit_account_id,
    t.credit_account_id, t.amount, t.currency, 'POST', t.id, NULL, now(), '{}'
FROM crowdfunding_pledge p JOIN ledger_transfer t ON t.id = p.hold_id
WHERE p.campaign_id = $1 AND p.state = 'ACTIVE'
"""


class _Rollback(Exception):
    pass


async def ceiling(url: str, campaign_id: UUID) -> tuple[float, int]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        started = time.perf_counter()
        async with conn.transaction():
            status = await conn.execute(CEILING, campaign_id)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        return elapsed, int(status.split()[-1])
    finally:
        await conn.close()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=100_000, help="per campaign")
    parser.add_argument("--database-url", default=DATABASE_URL)
    args = parser.parse_args(argv)
    await migrated_database(args.database_url)
    engine = create_async_engine(args.database_url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    clock = FixedClock(START)
    try:
        owner = await creator(sessions, clock)
        total = args.pledges * PLEDGE
        succeeding = await live_campaign(
            sessions, clock, owner, donation_campaign(total, days=10, model=ALL_OR_NOTHING)
        )
        failing = await live_campaign(
            sessions, clock, owner, donation_campaign(total + PLEDGE, days=20, model=ALL_OR_NOTHING)
        )
        template = await backer(sessions, clock, funds=2 * PLEDGE)
        assert template.participant_id is not None
        for view in (succeeding, failing):
            await pledge(sessions, clock, template, view.campaign.id, PLEDGE)
        started = time.perf_counter()
        conn = await asyncpg.connect(plain_url(args.database_url))
        try:
            wallet = await conn.fetchval(
                "SELECT id FROM ledger_account WHERE owner_id = $1 AND kind = 'WALLET'",
                template.participant_id,
            )
            base = 1_000 + await conn.fetchval("SELECT max(id) FROM ledger_account")
            async with conn.transaction():
                for statement in CLONE:
                    await conn.execute(
                        statement.format(
                            template=template.participant_id,
                            wallet=wallet,
                            n=args.pledges - 1,
                            base=base,
                        )
                    )
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
        print(
            f"filled 2 campaigns x {args.pledges:,} pledges in "
            f"{time.perf_counter() - started:.1f} s"
        )
        figures = {}
        for name, view in (("success", succeeding), ("failure", failing)):
            bare, rows = await ceiling(args.database_url, view.campaign.id)
            assert rows == args.pledges, rows
            assert view.campaign.deadline is not None
            clock.set(view.campaign.deadline + timedelta(seconds=1))
            started = time.perf_counter()
            closed = await close_due_campaigns(sessions, clock)
            took = time.perf_counter() - started
            assert closed == 1, closed
            figures[name] = (took, bare)
            print(
                f"{name}: the deadline job settled {args.pledges:,} pledges in {took:.1f} s "
                f"({args.pledges / took:,.0f} pledges/s); ceiling, one INSERT of the "
                f"{rows:,} resolutions: {bare:.2f} s ({took / bare:.1f}x the ceiling)"
            )
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(plain_url(args.database_url))
    try:
        states = dict(
            await conn.fetch("SELECT state, count(*) FROM crowdfunding_pledge GROUP BY state")
        )
        held = await conn.fetchval(
            "SELECT sum(debits_pending) FROM ledger_account WHERE kind = 'WALLET'"
        )
    finally:
        await conn.close()
    print(f"pledges by state: {states}; still held in wallets: {held}")
    right = states == {"CAPTURED": args.pledges, "RELEASED": args.pledges} and held == 0
    return 0 if right else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
