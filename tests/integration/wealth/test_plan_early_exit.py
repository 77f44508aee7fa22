"""Leaving a lending plan early: refused while the lock-up lasts and once it has matured;
after the lock-up the investor's share of the plan's cash is paid at once and its share of
the plan's notes is split off and listed on the secondary market; what the notes bring (an
investor's purchase, then the platform's book at the deadline) reaches the investor less the
early-exit fee as they sell, the exit going PENDING -> PARTLY_SOLD -> DONE; the others'
shares still sum to what the plan holds, and the ledger verifies after each step."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.lending.services.secondary_market import buy_listed_note, fair_price
from domain.lending.tables import Loan, LoanNote, NoteSale
from domain.participants.roles import Role
from domain.wealth.errors import PlanLockedUp, PlanRefused
from domain.wealth.plan_exit import EXIT_DAYS, early_exit_fee, lockup_ends, matures_at
from domain.wealth.plans import shares_of
from domain.wealth.services import plans
from domain.wealth.services.plan_exit_payouts import settle_early_exits
from domain.wealth.tables import LendingPlan, PlanEarlyExit
from support.crowdfunding import Sessions, balance, ledger_consistent, revenue
from support.lending_world import listed_loan, participant, product_row
from support.wealth import investor
from support.wealth_plans import (
    join,
    leave_early,
    match,
    open_platform_book,
    plan_terms,
    publish,
)

ALICE, BOB = 3_333_33, 6_666_67


async def _invested(sessions: Sessions, clock: FixedClock) -> tuple[LendingPlan, list, list]:
    """A 3-month plan, 1 month locked, 1 % to leave early, in two loans (4,000 and 3,000)."""
    terms = plan_terms(
        clock, term_months=3, lockup_months=1, early_exit_fee_rate="0.01", max_loan_share="0.5"
    )
    plan = await publish(sessions, clock, terms)
    alice, bob = await investor(sessions, clock, 10_000_00), await investor(sessions, clock)
    await join(sessions, clock, alice, plan, ALICE, "a")
    await join(sessions, clock, bob, plan, BOB, "b")
    clock.set(plan.closes_at)
    await plans.start_closed_plans(sessions, clock)
    product = product_row(clock.now(), max_investor_share=Decimal(1))
    loans = []
    for principal in (4_000_00, 3_000_00):
        borrower = await participant(sessions, clock, {Role.BORROWER})
        loan = await listed_loan(
            sessions, clock, borrower.require_participant(), principal=principal,
            term_months=3, rate=Decimal("0.12"), product=product,
        )  # fmt: skip
        await match(sessions, clock, loan)
        loans.append(loan)
    return plan, [alice, bob], loans


async def _exit(sessions: Sessions, plan: LendingPlan) -> PlanEarlyExit:
    async with sessions() as session:
        found = await session.exec(select(PlanEarlyExit).where(PlanEarlyExit.plan_id == plan.id))
        return found.one()


async def _open_sales(sessions: Sessions, seller: object) -> list[NoteSale]:
    async with sessions() as session:
        found = await session.exec(
            select(NoteSale)
            .where(col(NoteSale.seller_id) == seller, col(NoteSale.status) == "OPEN")
            .order_by(col(NoteSale.price))
        )
        return list(found.all())


async def _exit_states(sessions: Sessions) -> list[str]:
    """The states the leaver was told, in order."""
    async with sessions() as session:
        told = await session.exec(
            select(OutboxEvent)
            .where(col(OutboxEvent.type) == "wealth.plan_exit_updated")
            .order_by(col(OutboxEvent.id))
        )
        return [e.payload["state"] for e in told.all()]


async def test_leaving_is_refused_during_the_lock_up_and_once_the_plan_has_matured(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan, (alice, bob), _ = await _invested(sessions, clock)
    clock.set(lockup_ends(plan.closes_at, 1) - timedelta(seconds=1))
    with pytest.raises(PlanLockedUp, match="lock-up"):
        await leave_early(sessions, clock, alice, plan, "too-soon")
    clock.set(matures_at(plan.closes_at, 3))
    with pytest.raises(PlanLockedUp, match="matured"):
        await leave_early(sessions, clock, bob, plan, "at-maturity")
    async with sessions() as session:
        assert (await session.exec(select(PlanEarlyExit))).first() is None
    assert await ledger_consistent(sessions)


async def test_an_early_exit_sells_the_share_of_the_notes_and_pays_it_as_they_sell(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan, (alice, bob), _loans = await _invested(sessions, clock)
    clock.set(lockup_ends(plan.closes_at, 1))
    stakes = {"alice": ALICE, "bob": BOB}
    cash_share = shares_of(3_000_00, stakes)["alice"]
    notes_share = shares_of(7_000_00, stakes)["alice"]
    before, fees = (await balance(sessions, alice))[0], await revenue(sessions, "management_fee")

    # When: alice leaves (a replay of the key does nothing more)
    stake = await leave_early(sessions, clock, alice, plan, "leave")
    again = await leave_early(sessions, clock, alice, plan, "leave")

    # Then: her share of the cash is paid at once, less the fee on it
    left = await _exit(sessions, plan)
    assert again.id == stake.id
    assert left.state == "PENDING"
    assert (left.cash, left.notes, left.note_count) == (cash_share, notes_share, 2)
    fee = early_exit_fee(cash_share, Decimal("0.01"))
    assert (left.received, left.fee, stake.payout) == (cash_share, fee, cash_share - fee)
    assert (await balance(sessions, alice))[0] == before + cash_share - fee
    # her share of each note split off by outstanding principal, listed at its fair value
    sales = await _open_sales(sessions, left.holder_id)
    assert len(sales) == 2
    async with sessions() as session:
        carved = [await session.get(LoanNote, s.note_id) for s in sales]
        for sale, note in zip(sales, carved, strict=True):
            assert note is not None
            loan = await session.get(Loan, note.loan_id)
            assert loan is not None
            assert sale.price == await fair_price(session, loan, note, clock.now())
        [view] = await plans.my_stakes(session, actor=alice, clock=clock)
        [staying] = await plans.my_stakes(session, actor=bob, clock=clock)
        stored = await session.get(LendingPlan, plan.id)
        assert stored is not None
        cash, notes = await plans.plan_holdings(session, stored)
        accrued = await plans.accrued_of(session, stored.holder_id, clock.now())
    assert sorted(n.principal for n in carved if n) == sorted(
        shares_of(notes_share, {"4000": 4_000_00, "3000": 3_000_00}).values()
    )
    assert view.exit is not None
    assert (view.cash, view.notes) == (0, notes_share)
    # bob holds everything the plan still has, and the plan what it had less alice's share
    assert (staying.cash, staying.notes, staying.accrued) == (cash, notes, accrued)
    assert (cash, notes) == (3_000_00 - cash_share, 7_000_00 - notes_share)
    assert stored.investors == 1
    assert await ledger_consistent(sessions)

    # When: an investor buys the cheaper note; the job (on racing workers) pays what it brought
    carol = await investor(sessions, clock)
    async with sessions() as session:
        await buy_listed_note(
            session=session, clock=clock, actor=carol, sale_id=sales[0].id, idempotency_key="c"
        )
        await session.commit()
    racing = await asyncio.gather(*(settle_early_exits(sessions, clock) for _ in range(3)))
    assert sum(racing) == 1  # three workers: one pays
    assert await settle_early_exits(sessions, clock) == 0  # nothing more to do
    left = await _exit(sessions, plan)
    brought = cash_share + sales[0].price - sales[0].transfer_fee
    assert (left.state, left.received) == ("PARTLY_SOLD", brought)
    assert left.fee == early_exit_fee(brought, Decimal("0.01"))
    assert await ledger_consistent(sessions)

    # When: the deadline passes with the other note unsold: the platform's book buys it
    clock.advance(timedelta(days=EXIT_DAYS))
    await open_platform_book(sessions, clock, 100_000_00)
    assert await settle_early_exits(sessions, clock) == 1
    left = await _exit(sessions, plan)
    async with sessions() as session:
        [sold] = (await session.exec(select(NoteSale).where(NoteSale.id == sales[1].id))).all()
        book_sale = (
            await session.exec(
                select(NoteSale).where(
                    col(NoteSale.note_id) == sold.note_id, col(NoteSale.status) == "SOLD"
                )
            )
        ).one()
        [view] = await plans.my_stakes(session, actor=alice, clock=clock)
    brought += book_sale.price - book_sale.transfer_fee
    assert sold.status == "CANCELLED"  # the listing gave way to the book's purchase
    assert (left.state, left.received) == ("DONE", brought)
    assert left.fee == early_exit_fee(brought, Decimal("0.01"))
    assert view.stake.payout == brought - left.fee
    assert view.stake.exit_fee == left.fee
    assert (view.cash, view.notes, view.accrued) == (0, 0, 0)
    assert (await balance(sessions, alice))[0] == before + brought - left.fee
    assert await revenue(sessions, "management_fee") == fees + left.fee
    assert await _exit_states(sessions) == ["PENDING", "PARTLY_SOLD", "DONE"]
    assert await settle_early_exits(sessions, clock) == 0
    assert await ledger_consistent(sessions)


async def test_what_the_book_cannot_buy_the_exit_holds_to_maturity_off_the_market(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan, (alice, _), _ = await _invested(sessions, clock)
    clock.set(lockup_ends(plan.closes_at, 1))
    await leave_early(sessions, clock, alice, plan, "leave")
    left = await _exit(sessions, plan)
    await open_platform_book(sessions, clock, 1_00)  # far less than the notes

    clock.advance(timedelta(days=EXIT_DAYS))
    assert await settle_early_exits(sessions, clock) == 1
    assert await settle_early_exits(sessions, clock) == 0  # not tried again and again

    held = await _exit(sessions, plan)
    assert (held.state, held.received) == ("HELD", left.received)
    assert await _open_sales(sessions, left.holder_id) == []
    async with sessions() as session:
        [view] = await plans.my_stakes(session, actor=alice, clock=clock)
    assert view.notes == left.notes  # still its, repaid to it as the loans repay
    assert await _exit_states(sessions) == ["PENDING", "HELD"]
    assert await ledger_consistent(sessions)


async def test_leaving_is_refused_while_the_plans_cash_cannot_pay_its_share_of_a_loan_in_funding(
    sessions: Sessions, clock: FixedClock
) -> None:
    # Given: the plan's cash all committed to a loan still being funded
    plan, (alice, _), _ = await _invested(sessions, clock)
    borrower = await participant(sessions, clock, {Role.BORROWER})
    funding = await listed_loan(
        sessions, clock, borrower.require_participant(), principal=9_000_00, term_months=3,
        rate=Decimal("0.12"), product=product_row(clock.now(), max_investor_share=Decimal(1)),
    )  # fmt: skip
    await match(sessions, clock, funding)
    async with sessions() as session:
        stored = await session.get(LendingPlan, plan.id)
        assert stored is not None
        # its last 3,000.00 on hold for the new loan: no cash, 10,000.00 in notes
        assert await plans.plan_holdings(session, stored) == (0, 10_000_00)
    clock.set(lockup_ends(plan.closes_at, 1))
    before = await balance(sessions, alice)

    # When / then: her share of the note still being funded would be paid in cash: refused
    with pytest.raises(PlanRefused, match="in cash now"):
        await leave_early(sessions, clock, alice, plan, "leave")
    async with sessions() as session:
        assert (await session.exec(select(PlanEarlyExit))).first() is None
    assert await balance(sessions, alice) == before
    assert await ledger_consistent(sessions)
