"""A lending plan's life to the end: investors join, the matching engine invests it, a loan's
repayment is reinvested, another loan defaults and the guarantee fund's cover reaches the
plan; at maturity its notes go on the secondary market, an investor buys one, the platform's
book buys the rest at the exit deadline, the fee goes to `management_fee` and each investor
is paid its exact share; the ledger verifies."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from sqlmodel import col, select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.services.platform_book import PLATFORM_ID
from domain.lending.services.secondary_market import buy_listed_note
from domain.lending.tables import AutoInvestRuleRow, Loan, LoanNote, LoanProductRow, NoteSale
from domain.participants.roles import Role
from domain.wealth.plan_exit import EXIT_DAYS, matures_at
from domain.wealth.plans import PlanFeeKind, PlanFeeRule, plan_fee, shares_of
from domain.wealth.services import plans
from domain.wealth.services.plan_exit import exit_lending_plans
from domain.wealth.services.plan_exit_payouts import settle_early_exits
from domain.wealth.tables import LendingPlan, PlanEarlyExit, PlanStake
from support.crowdfunding import Sessions, balance, ledger_consistent, revenue
from support.lending_life import repay, seed_guarantee_fund
from support.lending_world import (
    fund_wallet,
    installments_of,
    listed_loan,
    participant,
    product_row,
)
from support.wealth import investor
from support.wealth_plans import (
    join,
    leave_early,
    match,
    open_platform_book,
    plan_terms,
    publish,
)

STAKES = (4_999_99, 3_000_01, 2_000_00)  # 10,000.00: shares that do not divide evenly


@dataclass
class World:
    plan: LendingPlan
    members: list[Actor]
    product: LoanProductRow
    repaid: Loan  # repaid on time, still running at maturity
    defaulted: Loan
    reinvested: Loan  # funded from the first loan's repayment
    borrowers: dict[UUID, Actor]  # by loan


async def _listed(
    sessions: Sessions, clock: FixedClock, product: LoanProductRow, principal: int
) -> tuple[Loan, Actor]:
    borrower = await participant(sessions, clock, {Role.BORROWER})
    loan = await listed_loan(
        sessions,
        clock,
        borrower.require_participant(),
        principal=principal,
        rate=Decimal("0.12"),
        term_months=3,
        product=product,
    )
    return loan, borrower


async def _pay_installment(
    sessions: Sessions, clock: FixedClock, borrower: Actor, loan: Loan, number: int
) -> None:
    installment = (await installments_of(sessions, loan.id))[number - 1]
    due = installment.principal_due + installment.interest_due
    await fund_wallet(sessions, clock, borrower.require_participant(), due)
    assert await repay(sessions, clock, borrower, loan, due, f"{loan.id}-{number}") == "OK"


async def _notes(sessions: Sessions, holder: UUID) -> list[LoanNote]:
    async with sessions() as session:
        found = await session.exec(
            select(LoanNote).where(col(LoanNote.holder_id) == holder).order_by(col(LoanNote.id))
        )
        return list(found.all())


async def _plan(sessions: Sessions, plan_id: UUID) -> LendingPlan:
    async with sessions() as session:
        plan = await session.get(LendingPlan, plan_id)
    assert plan is not None
    return plan


async def _invested_world(
    sessions: Sessions, clock: FixedClock, cover_share: Decimal = Decimal(1)
) -> World:
    """The plan invested in two loans, the first's repayment reinvested in a third."""
    plan = await publish(sessions, clock, plan_terms(clock, term_months=3, max_loan_share="0.5"))
    members = [await investor(sessions, clock, 20_000_00) for _ in STAKES]
    for n, (who, amount) in enumerate(zip(members, STAKES, strict=True)):
        await join(sessions, clock, who, plan, amount, f"join-{n}")
    clock.set(plan.closes_at)
    assert await plans.start_closed_plans(sessions, clock) == 1
    product = product_row(
        clock.now(),
        max_investor_share=Decimal(1),
        cover_kind="GUARANTEE",
        cover_share=cover_share,
        cover_provider=None,
        default_days=30,
    )
    await seed_guarantee_fund(sessions, clock, 10_000_00)

    clock.advance(timedelta(days=1))
    repaid, first_borrower = await _listed(sessions, clock, product, 4_000_00)
    defaulted, defaulter = await _listed(sessions, clock, product, 4_000_00)
    for loan in (repaid, defaulted):
        await match(sessions, clock, loan)
    assert (await balance(sessions, plan.holder_id))[0] == 2_000_00  # 8,000.00 lent

    clock.advance(timedelta(days=30))
    await _pay_installment(sessions, clock, first_borrower, repaid, 1)
    cash = (await balance(sessions, plan.holder_id))[0]
    assert cash > 3_000_00  # only with the repayment does it cover the next loan
    clock.advance(timedelta(days=2))
    reinvested, third_borrower = await _listed(sessions, clock, product, 3_000_00)
    await match(sessions, clock, reinvested)
    assert (await balance(sessions, plan.holder_id))[0] == cash - 3_000_00
    async with sessions() as session:
        stored = await session.get(Loan, reinvested.id)
    assert stored is not None
    assert stored.state == "ACTIVE"
    clock.advance(timedelta(days=27))
    await _pay_installment(sessions, clock, first_borrower, repaid, 2)
    await _pay_installment(sessions, clock, third_borrower, reinvested, 1)
    borrowers = {
        repaid.id: first_borrower,
        defaulted.id: defaulter,
        reinvested.id: third_borrower,
    }
    return World(plan, members, product, repaid, defaulted, reinvested, borrowers)


async def test_repayments_are_reinvested_through_the_engine_until_maturity(
    sessions: Sessions, clock: FixedClock
) -> None:
    world = await _invested_world(sessions, clock)
    notes = await _notes(sessions, world.plan.holder_id)
    assert sorted(n.principal for n in notes) == [3_000_00, 4_000_00, 4_000_00]
    views = []
    for who in world.members:
        async with sessions() as session:
            views += await plans.my_stakes(session, actor=who, clock=clock)
    cash, outstanding = await _holdings(sessions, world.plan)
    async with sessions() as session:
        accrued = await plans.accrued_of(session, world.plan.holder_id, clock.now())
    assert sum(v.cash for v in views) == cash
    assert sum(v.notes for v in views) == outstanding
    assert accrued > 0  # a period under way on each live loan
    assert sum(v.accrued for v in views) == accrued
    assert await ledger_consistent(sessions)


async def _holdings(sessions: Sessions, plan: LendingPlan) -> tuple[int, int]:
    async with sessions() as session:
        stored = await session.get(LendingPlan, plan.id)
        assert stored is not None
        return await plans.plan_holdings(session, stored)


async def test_a_default_is_covered_and_the_plan_exits_paying_each_investor_its_share(
    sessions: Sessions, clock: FixedClock
) -> None:
    world = await _invested_world(sessions, clock)
    plan = world.plan
    before = [(await balance(sessions, who))[0] for who in world.members]

    # The second loan's borrower never pays: 30 days past its first due date it defaults
    # and the guarantee fund pays the plan the principal it is owed.
    [first, *_] = await installments_of(sessions, world.defaulted.id)
    clock.set(
        datetime.combine(first.due_date + timedelta(days=30), time(12), tzinfo=clock.now().tzinfo)
    )
    cash_before_default = (await balance(sessions, plan.holder_id))[0]
    await age_overdue_installments(sessions, clock)
    assert (await balance(sessions, plan.holder_id))[0] == cash_before_default + 4_000_00

    # Maturity: no more reinvesting; the two live notes go on the market.
    matures = matures_at(plan.closes_at, 3)
    clock.set(matures - timedelta(seconds=1))
    assert await exit_lending_plans(sessions, clock) == 0
    clock.set(matures)
    assert await exit_lending_plans(sessions, clock) == 1
    assert await exit_lending_plans(sessions, clock) == 0  # a second run finds nothing
    matured = await _plan(sessions, plan.id)
    assert (matured.state, matured.matured_at) == ("MATURED", matures)
    async with sessions() as session:
        assert matured.rule_id is not None
        rule = await session.get(AutoInvestRuleRow, matured.rule_id)
        assert rule is not None
        assert not rule.active
        sales = list(
            (
                await session.exec(
                    select(NoteSale)
                    .where(col(NoteSale.seller_id) == plan.holder_id)
                    .order_by(col(NoteSale.price))
                )
            ).all()
        )
    assert [s.status for s in sales] == ["OPEN", "OPEN"]

    # Someone buys one note on the market; the platform's book buys the other at the deadline.
    dave = await investor(sessions, clock, 20_000_00)
    async with sessions() as session:
        await buy_listed_note(
            session=session, clock=clock, actor=dave, sale_id=sales[-1].id, idempotency_key="d"
        )
        await session.commit()
    clock.set(matures + timedelta(days=EXIT_DAYS) - timedelta(seconds=1))
    assert await exit_lending_plans(sessions, clock) == 0
    clock.set(matures + timedelta(days=EXIT_DAYS))
    await open_platform_book(sessions, clock, 100_000_00)
    fees_before = await revenue(sessions, "management_fee")
    assert await exit_lending_plans(sessions, clock) == 1
    assert await exit_lending_plans(sessions, clock) == 0

    exited = await _plan(sessions, plan.id)
    assert exited.state == "EXITED"
    assert exited.realised is not None
    assert exited.fee is not None
    assert await _notes(sessions, plan.holder_id) != []  # sold and defaulted notes remain
    live = [n for n in await _notes(sessions, plan.holder_id) if n.status == "ACTIVE"]
    assert live == []
    book = [n for n in await _notes(sessions, PLATFORM_ID) if n.loan_id == world.repaid.id]
    assert len(book) == 1
    assert book[0].funder_kind == "PLATFORM"

    rule = PlanFeeRule(PlanFeeKind.ASSETS, Decimal("0.01"))
    days = (matures - plan.closes_at).days
    expected_fee = plan_fee(
        rule,
        principal=sum(STAKES),
        realised=exited.realised,
        target_rate=plan.target_rate,
        days=days,
    )
    assert exited.fee == expected_fee > 0
    assert await revenue(sessions, "management_fee") - fees_before == expected_fee
    expected = shares_of(exited.realised - exited.fee, dict(enumerate(STAKES)))
    after = [(await balance(sessions, who))[0] for who in world.members]
    assert [a - b for a, b in zip(after, before, strict=True)] == [expected[n] for n in range(3)]
    assert (await balance(sessions, plan.holder_id))[0] == 0
    async with sessions() as session:
        stakes = (
            await session.exec(select(PlanStake).where(col(PlanStake.plan_id) == plan.id))
        ).all()
        told = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "wealth.plan_matured")
            )
        ).all()
    assert sorted(s.payout or 0 for s in stakes) == sorted(expected.values())
    assert sorted(e.payload["state"] for e in told) == ["EXITED"] * 3 + ["MATURED"] * 3
    assert await ledger_consistent(sessions)


async def test_racing_workers_mature_and_exit_a_plan_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await publish(sessions, clock, plan_terms(clock, term_months=3))
    members = [await investor(sessions, clock, 20_000_00) for _ in STAKES]
    for n, (who, amount) in enumerate(zip(members, STAKES, strict=True)):
        await join(sessions, clock, who, plan, amount, f"race-{n}")
    clock.set(plan.closes_at)
    await plans.start_closed_plans(sessions, clock)
    clock.set(matures_at(plan.closes_at, 3) + timedelta(days=EXIT_DAYS))
    before = [(await balance(sessions, who))[0] for who in members]

    done = await asyncio.gather(*(exit_lending_plans(sessions, clock) for _ in range(3)))

    assert sum(done) == 2  # matured once, exited once, whoever did which
    after = [(await balance(sessions, who))[0] for who in members]
    assert [a - b for a, b in zip(after, before, strict=True)] == list(STAKES)  # nothing earned
    assert (await _plan(sessions, plan.id)).state == "EXITED"
    assert await ledger_consistent(sessions)


async def _late_money_paid(
    sessions: Sessions, clock: FixedClock, world: World, fee_before: int
) -> None:
    """What reached the exited plan's wallet is paid to its investors by their stakes, the
    fee being the rule's on everything realised less what was taken."""
    plan = await _plan(sessions, world.plan.id)
    assert plan.realised is not None
    assert plan.fee is not None
    arrived = (await balance(sessions, plan.holder_id))[0]
    assert arrived > 0
    before = [(await balance(sessions, who))[0] for who in world.members]
    assert await exit_lending_plans(sessions, clock) == 1
    assert await exit_lending_plans(sessions, clock) == 0
    after_plan = await _plan(sessions, plan.id)
    fee = plan_fee(
        PlanFeeRule(PlanFeeKind.ASSETS, Decimal("0.01")),
        principal=sum(STAKES),
        realised=plan.realised + arrived,
        target_rate=plan.target_rate,
        days=(matures_at(plan.closes_at, 3) - plan.closes_at).days,
    )
    assert (after_plan.realised, after_plan.fee) == (plan.realised + arrived, fee)
    expected = shares_of(arrived - (fee - plan.fee), dict(enumerate(STAKES)))
    after = [(await balance(sessions, who))[0] for who in world.members]
    assert [a - b for a, b in zip(after, before, strict=True)] == [expected[n] for n in range(3)]
    assert await revenue(sessions, "management_fee") == fee_before + fee - plan.fee
    assert (await balance(sessions, plan.holder_id))[0] == 0
    assert await ledger_consistent(sessions)


async def test_notes_beyond_the_books_capacity_are_held_and_late_money_reaches_the_investors(
    sessions: Sessions, clock: FixedClock
) -> None:
    # Given: a plan whose defaulted loan was covered by half, and a platform's book that can
    # lend 1.00 only
    world = await _invested_world(sessions, clock, cover_share=Decimal("0.5"))
    plan = world.plan
    [first, *_] = await installments_of(sessions, world.defaulted.id)
    clock.set(
        datetime.combine(first.due_date + timedelta(days=30), time(12), tzinfo=clock.now().tzinfo)
    )
    await age_overdue_installments(sessions, clock)
    await open_platform_book(sessions, clock, 1_00)
    matures = matures_at(plan.closes_at, 3)
    clock.set(matures)
    assert await exit_lending_plans(sessions, clock) == 1

    # When: the deadline passes with nothing sold: the book cannot buy, the plan holds them
    clock.set(matures + timedelta(days=EXIT_DAYS))
    assert await exit_lending_plans(sessions, clock) == 1
    exited = await _plan(sessions, plan.id)
    held = [n for n in await _notes(sessions, plan.holder_id) if n.status == "ACTIVE"]
    outstanding = sum(n.principal - n.principal_received for n in held)
    assert exited.state == "EXITED"
    assert len(held) == 2
    assert await _notes(sessions, PLATFORM_ID) == []
    async with sessions() as session:
        told = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "wealth.plan_matured")
            )
        ).all()
        told = [e for e in told if e.payload["state"] == "EXITED"]
        open_sales = (
            await session.exec(
                select(NoteSale).where(
                    col(NoteSale.seller_id) == plan.holder_id, col(NoteSale.status) == "OPEN"
                )
            )
        ).all()
    assert [e.payload["held"] for e in told] == [outstanding] * 3  # each investor told
    assert open_sales == []
    # Each investor's share of what the plan still holds, exactly
    views = []
    for who in world.members:
        async with sessions() as session:
            views += await plans.my_stakes(session, actor=who, clock=clock)
    assert [v.notes for v in views] == [
        shares_of(outstanding, dict(enumerate(STAKES)))[n] for n in range(3)
    ]
    assert await ledger_consistent(sessions)

    # Then: a held loan's last installment reaches the investors, and so does a recovery on
    # the defaulted loan (after the guarantee fund's claim)
    fees = await revenue(sessions, "management_fee")
    await _pay_installment(sessions, clock, world.borrowers[world.repaid.id], world.repaid, 3)
    await _late_money_paid(sessions, clock, world, fees)
    defaulter = world.borrowers[world.defaulted.id]
    await fund_wallet(sessions, clock, defaulter.require_participant(), 3_000_00)
    assert await repay(sessions, clock, defaulter, world.defaulted, 3_000_00, "recover") == "OK"
    await _late_money_paid(sessions, clock, world, await revenue(sessions, "management_fee"))


async def test_an_early_leaver_takes_its_share_of_a_defaulted_loans_claim_and_its_recovery(
    sessions: Sessions, clock: FixedClock
) -> None:
    # Given: the plan's defaulted loan covered by half, 2,000.00 of its claim unrecovered
    world = await _invested_world(sessions, clock, cover_share=Decimal("0.5"))
    [first, *_] = await installments_of(sessions, world.defaulted.id)
    clock.set(
        datetime.combine(first.due_date + timedelta(days=30), time(12), tzinfo=clock.now().tzinfo)
    )
    await age_overdue_installments(sessions, clock)
    await leave_early(sessions, clock, world.members[2], world.plan, "leave")
    async with sessions() as session:
        left = (await session.exec(select(PlanEarlyExit))).one()
    share = shares_of(2_000_00, dict(enumerate(STAKES)))[2]
    assert left.claims == share
    claims = {
        n.holder_id: n.principal - n.principal_received
        for n in await _notes(sessions, left.holder_id)
        + await _notes(sessions, world.plan.holder_id)
        if n.status == "DEFAULTED" and n.loan_id == world.defaulted.id
    }
    assert claims == {left.holder_id: share, world.plan.holder_id: 2_000_00 - share}
    assert await settle_early_exits(sessions, clock) == 0  # nothing to pay yet
    received = left.received

    # When: the borrower pays 3,000.00: 2,000.00 to the guarantee fund, 1,000.00 to the claims
    plan_cash = (await balance(sessions, world.plan.holder_id))[0]
    defaulter = world.borrowers[world.defaulted.id]
    await fund_wallet(sessions, clock, defaulter.require_participant(), 3_000_00)
    assert await repay(sessions, clock, defaulter, world.defaulted, 3_000_00, "recover") == "OK"
    to_plan = (await balance(sessions, world.plan.holder_id))[0] - plan_cash
    to_exit = (await balance(sessions, left.holder_id))[0]
    assert to_plan + to_exit == 1_000_00
    assert abs(to_exit * 2_000_00 - 1_000_00 * share) < 2_000_00  # by claim, within a unit

    # Then: the leaver's part reaches it (its plan charging no early-exit fee)
    assert await settle_early_exits(sessions, clock) == 1
    async with sessions() as session:
        after = await session.get(PlanEarlyExit, left.id)
    assert after is not None
    assert (after.received, after.fee) == (received + to_exit, 0)
    assert (await balance(sessions, left.holder_id))[0] == 0
    assert await ledger_consistent(sessions)
