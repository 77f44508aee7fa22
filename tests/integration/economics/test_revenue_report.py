"""The revenue report after a mixed stretch of every business line (lending, payments, BNPL,
crowdfunding): its totals equal the revenue accounts' balances, by every grouping, and its
days equal the journal's, recomputed here with plain SQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, Forbidden
from domain.clock import FixedClock
from domain.errors import InvalidInput
from domain.ledger.services.verification import verify_ledger
from domain.money import Money
from domain.payments.services import refunds, release
from domain.revenue.report import Grouping
from domain.revenue.services.revenue_report import RevenueReport, revenue_report
from support.bnpl import buy, create_bnpl_intent, verify
from support.crowdfunding import (
    backer,
    creator,
    live_campaign,
    past_deadline,
    pledge,
    reward_campaign,
)
from support.lending_life import disbursed_loan, repay
from support.lending_world import fund_wallet, installments_of
from support.payments import Shop, attempt, create_and_pay

Sessions = async_sessionmaker[AsyncSession]

BALANCES = text(
    "SELECT label, credits_posted - debits_posted AS balance FROM ledger_account "
    "WHERE kind = 'PLATFORM_REVENUE' AND currency = 'CNY'"
)
# The journal itself, per UTC day: what revenue accounts were credited less debited.
JOURNAL_DAYS = text(
    """
    SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day,
           SUM(CASE WHEN c.kind = 'PLATFORM_REVENUE' THEN t.amount ELSE 0 END)
         - SUM(CASE WHEN d.kind = 'PLATFORM_REVENUE' THEN t.amount ELSE 0 END) AS net
    FROM ledger_transfer t
    JOIN ledger_account d ON d.id = t.debit_account_id
    JOIN ledger_account c ON c.id = t.credit_account_id
    WHERE t.kind IN ('POSTED', 'POST_PENDING') AND t.currency = 'CNY'
      AND 'PLATFORM_REVENUE' IN (c.kind, d.kind)
    GROUP BY 1
    """
)


async def _mixed_days(shop: Shop, clock: FixedClock) -> None:
    sessions = shop.sessions
    # lending: a loan disbursed (its 2 % origination fee), its first installment repaid
    loan, borrower, _ = await disbursed_loan(sessions, clock)
    # payments: an escrow payment released (the MDR), then a part refunded (the MDR's part back)
    payment = await create_and_pay(shop, 20_000, order="mixed-1")

    async def receive(session: AsyncSession) -> None:
        await release.confirm_receipt(
            session=session,
            clock=clock,
            actor=shop.shopper,
            payment_id=payment,
            idempotency_key="mixed-receipt",
        )

    async def refund(session: AsyncSession) -> None:
        await refunds.refund_payment(
            session=session,
            clock=clock,
            actor=shop.merchant,
            payment_id=payment,
            amount=Money(5_000, "CNY"),
            reason="returned",
            idempotency_key="mixed-refund",
        )

    assert await attempt(sessions, receive) == "OK"
    assert await attempt(sessions, refund) == "OK"
    # BNPL: a purchase in installments (the merchant's discount)
    await verify(shop)
    assert await buy(shop, await create_bnpl_intent(shop, 30_000, "mixed-bnpl")) == "OK"
    # crowdfunding: a reward campaign reaches its goal (the platform's 5 %), days later
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=50_000, days=10))
    await pledge(sessions, clock, await backer(sessions, clock), live.campaign.id, 60_000)
    assert await past_deadline(sessions, clock, live) == 1
    # lending again, on the first installment's due day
    first = (await installments_of(sessions, loan.id))[0]
    clock.set(datetime.combine(first.due_date, time(12), tzinfo=clock.now().tzinfo))
    await fund_wallet(sessions, clock, borrower.require_participant(), 200_000)
    assert (
        await repay(
            sessions,
            clock,
            borrower,
            loan,
            first.principal_due + first.interest_due + first.fee_due,
            "mixed-repay",
        )
        == "OK"
    )


async def _report(shop: Shop, by: Grouping, first: date, last: date) -> RevenueReport:
    async with shop.sessions() as session:
        return await revenue_report(
            session,
            actor=shop.operator,
            currency="CNY",
            first_day=first,
            last_day=last,
            group_by=by,
        )


async def test_every_grouping_reconciles_with_the_revenue_accounts_and_the_journal(
    shop: Shop, clock: FixedClock
) -> None:
    # given a stretch of days with fees from every business line
    start = clock.now().date()
    await _mixed_days(shop, clock)
    end = clock.now().date()
    async with shop.sessions() as session:
        report = await verify_ledger(session)
    async with shop.sessions() as session:
        conn = await session.connection()
        balances = {row.label: int(row.balance) for row in await conn.execute(BALANCES)}
        journal = {row.day.isoformat(): int(row.net) for row in await conn.execute(JOURNAL_DAYS)}
    assert report.consistent
    assert not report.miscounted_revenue
    assert {"origination_fee", "mdr", "bnpl_discount", "crowdfunding_fee"} <= balances.keys()

    # when the operator reads the report over the whole stretch, grouped every way
    reports = {by: await _report(shop, by, start, end) for by in Grouping}

    # then each total is the sum of the revenue accounts' balances
    for by, found in reports.items():
        assert found.total.net == sum(balances.values()), by
    # by stream: every stream, each equal to its account's balance
    by_stream = {line.key: line for line in reports[Grouping.STREAM].lines}
    assert {key: line.net for key, line in by_stream.items()} == balances
    assert {s.stream: s.balance for s in reports[Grouping.STREAM].streams} == balances
    assert by_stream["mdr"].given_back > 0  # the refund took back part of the fee
    # by day: the journal's own days, to the unit
    by_day = {line.key: line.net for line in reports[Grouping.DAY].lines}
    assert by_day == journal
    assert len(by_day) >= 2
    # by month: the days added up
    months: dict[str, int] = {}
    for day, net in journal.items():
        months[day[:7]] = months.get(day[:7], 0) + net
    assert {line.key: line.net for line in reports[Grouping.MONTH].lines} == months
    # by business line: every line that earned
    lines = {line.key: line.net for line in reports[Grouping.BUSINESS_LINE].lines}
    assert {"LENDING", "PAYMENTS", "CONSUMER_CREDIT", "CROWDFUNDING"} <= lines.keys()
    assert all(net > 0 for net in lines.values())

    # and a window of the first day alone holds that day's figures only
    today = await _report(shop, Grouping.STREAM, start, start)
    assert today.total.net == journal[start.isoformat()]


async def test_only_operators_read_revenue_and_a_bad_window_is_refused(shop: Shop) -> None:
    day = shop.clock.now().date()
    with pytest.raises(Forbidden):
        async with shop.sessions() as session:
            await revenue_report(
                session,
                actor=shop.shopper,
                currency="CNY",
                first_day=day,
                last_day=day,
                group_by=Grouping.STREAM,
            )
    with pytest.raises(InvalidInput) as refused:
        await _report(shop, Grouping.DAY, day, day - timedelta(days=1))
    assert refused.value.field == "to"
    system = await _report(shop, Grouping.STREAM, day, day)
    assert system.total.net == 0
    assert system.lines == ()
    assert isinstance(shop.operator, Actor)
