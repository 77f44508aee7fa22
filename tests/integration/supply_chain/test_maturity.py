"""Maturity: the core enterprise pays each certificate's owner (by hand or debited by the
worker on the due date); late payment ages as lending's installments do; recourse to the
seller when the programme is with recourse."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from uuid import UUID

import pytest
from sqlalchemy import text

from domain.clock import FixedClock
from domain.ledger.errors import InsufficientFunds
from domain.lending.tables import BankFundingOffer
from domain.supply_chain.errors import NoFinancingOffer, RecourseRefused
from domain.supply_chain.services import maturity, reads
from domain.supply_chain.tables import Certificate, CreditLine, Receivable
from support.crowdfunding import balance, ledger_consistent
from support.lending_world import fund_wallet
from support.supply_chain import (
    Sessions,
    account_balance,
    committed,
    confirmed,
    core,
    finance,
    outcome,
    parties,
    pay,
    scf_offer,
    scf_terms,
    supplier,
    take_recourse,
    with_recourse,
)


async def certificate(sessions: Sessions, certificate_id: UUID) -> Certificate:
    async with sessions() as session:
        row = await session.get(Certificate, certificate_id)
    assert row is not None
    return row


def on_due_date(clock: FixedClock, row: Certificate, days_after: int = 0) -> None:
    clock.set(
        datetime.combine(row.due_on + timedelta(days=days_after), time(9), clock.now().tzinfo)
    )


async def test_the_core_enterprise_pays_the_bank_face_value_and_the_line_is_restored(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    offer = await scf_offer(sessions, clock, lender, scf_terms("0.05"))
    view = await confirmed(sessions, clock, seller, buyer, 200_000_00)
    paid = await finance(sessions, clock, seller, view.certificates[0].id)
    funding_after_financing = await account_balance(
        sessions, "BANK_FUNDING", owner=lender.participant_id
    )
    await fund_wallet(sessions, clock, buyer.participant_id, 200_000_00)  # type: ignore[arg-type]
    on_due_date(clock, paid.certificate)

    await pay(sessions, clock, buyer, view.receivable.id)

    funding = await account_balance(sessions, "BANK_FUNDING", owner=lender.participant_id)
    assert funding - funding_after_financing == 200_000_00  # face value
    assert funding == paid.certificate.discount  # what the bank earned
    assert await balance(sessions, buyer) == (0, 0)
    done = await certificate(sessions, paid.certificate.id)
    assert (done.state, done.penalty_paid) == ("PAID", 0)
    async with sessions() as session:
        line = await session.get(CreditLine, (offer, buyer.participant_id))
        invoice = await session.get(Receivable, view.receivable.id)
        row = await session.get(BankFundingOffer, offer)
    assert line is not None
    assert invoice is not None
    assert row is not None
    assert (line.used, row.committed, invoice.state) == (0, 0, "PAID")  # line and capacity
    assert await ledger_consistent(sessions)


async def test_the_banks_capacity_revolves_as_certificates_are_paid_under_concurrent_requests(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    # capacity for two certificates; the credit line to the buyer does not bind
    offer = await scf_offer(
        sessions, clock, lender, scf_terms("0.05", capacity=200_000_00, credit_line=10**12)
    )
    old = [await confirmed(sessions, clock, seller, buyer, 100_000_00) for _ in range(2)]
    for view in old:
        await finance(sessions, clock, seller, view.certificates[0].id)
    new = [await confirmed(sessions, clock, seller, buyer, 100_000_00) for _ in range(4)]
    with pytest.raises(NoFinancingOffer):  # the capacity is taken
        await finance(sessions, clock, seller, new[0].certificates[0].id)
    await fund_wallet(sessions, clock, buyer.participant_id, 200_000_00)  # type: ignore[arg-type]

    # the core enterprise pays the two early (capacity comes back) while four ask to be paid
    outcomes = await asyncio.gather(
        *(outcome(pay(sessions, clock, buyer, view.receivable.id)) for view in old),
        *(outcome(finance(sessions, clock, seller, v.certificates[0].id)) for v in new),
    )

    assert outcomes[:2] == ["OK", "OK"]
    assert set(outcomes[2:]) <= {"OK", NoFinancingOffer.code}
    used, owned = await committed(sessions, offer)
    assert used == owned <= 200_000_00
    # whatever the race left, the restored capacity takes exactly two of the four, no more
    for view in new:
        await outcome(finance(sessions, clock, seller, view.certificates[0].id))
    assert await committed(sessions, offer) == (200_000_00, 200_000_00)
    async with sessions() as session:
        states = [
            (await reads.certificate(session, seller, v.certificates[0].id)).state for v in new
        ]
    assert sorted(states) == ["FINANCED", "FINANCED", "HELD", "HELD"]
    assert await ledger_consistent(sessions)


async def test_the_worker_debits_on_the_due_date_or_ages_the_certificate_until_it_can(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    view = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    [held] = view.certificates
    on_due_date(clock, held, days_after=10)  # 10 days late, grace 3: 7 days at 0.05 %

    assert await maturity.settle_due_receivables(sessions, clock) == 0
    late = await certificate(sessions, held.id)
    assert (late.state, late.days_past_due, late.bucket) == ("OVERDUE", 10, "DPD_1_30")
    assert late.penalty_accrued == 7 * 50_00
    assert await maturity.settle_due_receivables(sessions, clock) == 0  # tried today already

    await fund_wallet(sessions, clock, buyer.participant_id, 200_000_00)  # type: ignore[arg-type]
    clock.advance(timedelta(days=1))
    assert await maturity.settle_due_receivables(sessions, clock) == 1

    done = await certificate(sessions, held.id)
    assert (done.state, done.penalty_accrued, done.penalty_paid) == ("PAID", 8 * 50_00, 8 * 50_00)
    assert await balance(sessions, seller) == (100_000_00 + 8 * 50_00, 0)
    assert await ledger_consistent(sessions)


async def test_a_manual_payment_without_the_money_is_refused_and_changes_nothing(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    view = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    with pytest.raises(InsufficientFunds):
        await pay(sessions, clock, buyer, view.receivable.id)
    assert (await certificate(sessions, view.certificates[0].id)).state == "HELD"


async def test_with_recourse_the_bank_turns_to_the_seller_who_then_holds_the_claim(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    await with_recourse(sessions, clock, buyer, after_days=30)
    offer = await scf_offer(sessions, clock, lender, scf_terms("0.05"))
    view = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    paid = await finance(sessions, clock, seller, view.certificates[0].id)
    await fund_wallet(sessions, clock, seller.participant_id, 100_000_00)  # type: ignore[arg-type]

    on_due_date(clock, paid.certificate, days_after=29)
    await maturity.settle_due_receivables(sessions, clock)
    with pytest.raises(RecourseRefused):
        await take_recourse(sessions, clock, lender, paid.certificate.id)
    clock.advance(timedelta(days=1))
    await maturity.settle_due_receivables(sessions, clock)
    before = await account_balance(sessions, "BANK_FUNDING", owner=lender.participant_id)

    back = await take_recourse(sessions, clock, lender, paid.certificate.id)

    assert (back.state, back.holder_id) == ("RECOURSED", seller.participant_id)
    async with sessions() as session:  # the bank still sees what it funded
        seen = await reads.certificate(session, lender, back.id)
    assert seen.financier_id == lender.participant_id
    after = await account_balance(sessions, "BANK_FUNDING", owner=lender.participant_id)
    assert after - before == 100_000_00
    assert await committed(sessions, offer) == (0, 0)  # repaid: its capacity is back
    seller_before = (await balance(sessions, seller))[0]
    await fund_wallet(sessions, clock, buyer.participant_id, 200_000_00)  # type: ignore[arg-type]
    await pay(sessions, clock, buyer, view.receivable.id)
    done = await certificate(sessions, paid.certificate.id)
    assert done.state == "PAID"
    assert (await balance(sessions, seller))[0] - seller_before == 100_000_00 + 27 * 50_00
    assert await ledger_consistent(sessions)


async def test_without_recourse_the_bank_waits_for_the_core_enterprise(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    await scf_offer(sessions, clock, lender, scf_terms("0.05"))
    view = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    paid = await finance(sessions, clock, seller, view.certificates[0].id)
    on_due_date(clock, paid.certificate, days_after=60)
    await maturity.settle_due_receivables(sessions, clock)
    with pytest.raises(RecourseRefused):
        await take_recourse(sessions, clock, lender, paid.certificate.id)


async def test_one_core_enterprise_short_of_money_does_not_hold_up_the_others(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller = await supplier(sessions, clock)
    rich, poor = await core(sessions, clock), await core(sessions, clock)
    paid_on_time = await confirmed(sessions, clock, seller, rich, 100_000_00)
    unpaid = await confirmed(sessions, clock, seller, poor, 100_000_00)
    await fund_wallet(sessions, clock, rich.participant_id, 100_000_00)  # type: ignore[arg-type]
    on_due_date(clock, paid_on_time.certificates[0])

    assert await maturity.settle_due_receivables(sessions, clock) == 1

    assert (await certificate(sessions, paid_on_time.certificates[0].id)).state == "PAID"
    assert (await certificate(sessions, unpaid.certificates[0].id)).state == "HELD"  # due today
    assert await balance(sessions, seller) == (100_000_00, 0)
    assert await ledger_consistent(sessions)


async def reminders(sessions: Sessions) -> int:
    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT count(*) FROM outbox_event WHERE type = 'supply_chain.certificate_updated'"
                " AND payload->>'change' = 'REMINDED'"
            )
        )
        return int(found.scalar_one())


async def test_the_core_enterprise_is_reminded_three_days_and_one_day_before(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    [held] = (await confirmed(sessions, clock, seller, buyer, 100_000_00, days=10)).certificates

    on_due_date(clock, held, days_after=-4)
    await maturity.settle_due_receivables(sessions, clock)
    assert await reminders(sessions) == 0
    clock.advance(timedelta(days=1))  # 3 days before
    await maturity.settle_due_receivables(sessions, clock)
    await maturity.settle_due_receivables(sessions, clock)  # once a day
    assert await reminders(sessions) == 1
    clock.advance(timedelta(days=2))  # 1 day before
    await maturity.settle_due_receivables(sessions, clock)
    assert await reminders(sessions) == 2
