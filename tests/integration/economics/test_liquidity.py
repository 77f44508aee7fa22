"""The operator's liquidity and risk view against plain SQL over the ledger, and threshold
crossings announced to operators once each way."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.liquidity.services.position import liquidity_position
from domain.liquidity.services.watch import watch_currency
from domain.liquidity.thresholds import Metric
from domain.participants.roles import Role
from domain.unit_of_work import transaction
from support.lending_life import disbursed_loan, seed_guarantee_fund
from support.lending_world import fund_wallet, participant

Sessions = async_sessionmaker[AsyncSession]


async def _sum(sessions: Sessions, sql: str) -> int:
    async with sessions() as session:
        return int((await (await session.connection()).execute(text(sql))).scalar_one())


async def _crossings(sessions: Sessions) -> list[tuple[str, bool]]:
    async with sessions() as session:
        rows = await session.exec(
            select(OutboxEvent)
            .where(OutboxEvent.type == "risk.threshold_crossed")  # type: ignore[arg-type]
            .order_by(OutboxEvent.id)  # type: ignore[arg-type]
        )
        return [(r.payload["metric"], r.payload["breached"]) for r in rows]


async def _watch(sessions: Sessions, clock: FixedClock) -> int:
    async with transaction(sessions) as session:
        return await watch_currency(session, currency="CNY", now=clock.now())


async def test_the_view_adds_up_and_crossings_are_announced_once_each_way(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given a loan covered by the guarantee fund, one by an insurer, and a well-off insurer
    insurer = await participant(sessions, clock, {Role.INSURER})
    await fund_wallet(sessions, clock, insurer.require_participant(), 100_000)
    await disbursed_loan(
        sessions, clock, cover_kind="GUARANTEE", cover_share=Decimal("0.5"), cover_provider=None
    )
    await disbursed_loan(
        sessions,
        clock,
        principal=400_000,
        shares=(400_000,),
        cover_kind="INSURANCE",
        cover_share=Decimal(1),
        cover_provider=insurer.require_participant(),
    )

    # when an operator reads the view
    async with sessions() as session:
        view = await liquidity_position(
            session, actor=Actor.system(), currency="CNY", now=clock.now()
        )

    # then it is what plain SQL over the ledger says
    wallets = await _sum(
        sessions,
        "SELECT SUM(credits_posted - debits_posted) FROM ledger_account WHERE kind = 'WALLET'",
    )
    escrow = await _sum(
        sessions,
        "SELECT COALESCE(SUM(credits_posted - debits_posted), 0) FROM ledger_account "
        "WHERE kind = 'ESCROW'",
    )
    receivable = await _sum(
        sessions,
        "SELECT SUM(debits_posted - credits_posted) FROM ledger_account "
        "WHERE kind = 'LOAN_RECEIVABLE'",
    )
    assert (view.wallets, view.escrow, view.owed) == (wallets, escrow, wallets + escrow)
    assert view.outstanding_principal == receivable == 1_400_000
    assert view.guarantee_fund_at_risk == 500_000  # half of the first loan
    [cover] = view.covers
    assert (cover.provider_id, cover.kind) == (insurer.participant_id, "INSURANCE")
    assert (cover.at_risk, cover.balance) == (400_000, 100_000)
    assert [b.amount for b in view.top_borrowers] == [1_000_000, 400_000]
    readings = {r.metric: r for r in view.readings}
    assert readings[Metric.GUARANTEE_FUND_COVERAGE].breached  # an empty fund
    assert not readings[Metric.INSURER_COVERAGE].breached  # 25 % >= 20 %
    assert readings[Metric.BORROWER_CONCENTRATION].breached  # 71 % > 20 %

    # and the worker announces each breach once
    first = await _watch(sessions, clock)
    assert first == sum(r.breached for r in view.readings)
    assert await _watch(sessions, clock) == 0
    # when the fund is topped up past its floor, its return within bounds is announced
    await seed_guarantee_fund(sessions, clock, 60_000)  # 12 % of 500,000.00
    assert await _watch(sessions, clock) == 1
    crossings = await _crossings(sessions)
    assert ("GUARANTEE_FUND_COVERAGE", True) in crossings
    assert crossings[-1] == ("GUARANTEE_FUND_COVERAGE", False)
    assert ("INSURER_COVERAGE", True) not in crossings
