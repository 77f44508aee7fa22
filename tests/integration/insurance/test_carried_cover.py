"""A loan whose product carries an insurer's share (sold before policies existed) is bound a
zero-premium policy of it by the migration, once; its default opens the claim, settled at
once for the share: the funders are paid their exact shares, the insurer is repaid first from
later recoveries, and the ledger verifies."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import col, select

from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.insurance.services.carried_cover import migrate_carried_covers
from domain.insurance.tables import Claim, InsuranceProduct, Policy
from domain.ledger.services.verification import verify_ledger
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.tables import Loan, Repayment
from domain.participants.roles import Role
from support.insurance import Sessions
from support.lending_life import disbursed_loan, repay
from support.lending_world import fund_wallet, installments_of, participant
from support.payments import wallet


async def _old_way_loan(sessions: Sessions, clock: FixedClock, insurer_funds: int) -> tuple:
    """A 10,000.00 loan (notes of 6,000 and 4,000) under a product carrying an insurer's half
    share, as the code before policies left it: ACTIVE, with no policy."""
    insurer = await participant(sessions, clock, {Role.INSURER})
    await fund_wallet(sessions, clock, insurer.require_participant(), insurer_funds)
    loan, borrower, investors = await disbursed_loan(
        sessions,
        clock,
        cover_kind="INSURANCE",
        cover_share=Decimal("0.5"),
        cover_provider=insurer.participant_id,
        default_days=30,
    )
    # Disbursement binds it today: take the zero-premium policy (no money moved) away again.
    async with sessions() as session:
        await (await session.connection()).execute(delete(Policy))
        await session.commit()
    return loan, borrower, investors, insurer


async def _migrate(sessions: Sessions, clock: FixedClock) -> int:
    async with sessions() as session:
        bound = await migrate_carried_covers(session, now=clock.now())
        await session.commit()
    return bound


async def _default(sessions: Sessions, clock: FixedClock, loan: Loan) -> None:
    [first, *_] = await installments_of(sessions, loan.id)
    at = datetime.combine(first.due_date + timedelta(days=30), time(12), tzinfo=clock.now().tzinfo)
    clock.set(at)
    await age_overdue_installments(sessions, clock)


async def _consistent(sessions: Sessions) -> bool:
    async with sessions() as session:
        return (await verify_ledger(session)).consistent


async def test_a_loan_sold_the_old_way_is_migrated_once_and_its_default_paid_by_the_claim(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given a loan sold the old way, and an insurer holding 100,000.00
    loan, borrower, investors, insurer = await _old_way_loan(sessions, clock, 10_000_000)
    insurer_id = insurer.require_participant()
    before = [(await wallet(sessions, i.require_participant())).available.minor for i in investors]

    # when the migration runs, twice
    assert await _migrate(sessions, clock) == 1
    assert await _migrate(sessions, clock) == 0

    # then the loan holds one zero-premium credit policy of the insurer's mirror product,
    # in force from its disbursement; no money moved
    async with sessions() as session:
        [policy] = (await session.exec(select(Policy))).all()
        product = await session.get(InsuranceProduct, policy.product_id)
    assert (policy.kind, policy.subject_type, policy.subject_id) == ("CREDIT", "LOAN", loan.id)
    assert (policy.holder_id, policy.insurer_id) == (loan.borrower_id, insurer_id)
    assert (policy.premium, policy.insured, policy.starts_at) == (0, 1_000_000, loan.disbursed_at)
    assert product is not None
    assert (product.coverage_share, product.on_sale) == (Decimal("0.5"), False)
    assert (await wallet(sessions, insurer_id)).available.minor == 10_000_000
    assert await _consistent(sessions)

    # when the loan defaults with all 10,000.00 outstanding
    await _default(sessions, clock, loan)

    # then its claim opened and was settled at once: half, to the funders by their 6:4 notes
    async with sessions() as session:
        [claim] = (await session.exec(select(Claim))).all()
        [payout] = (
            await session.exec(select(Repayment).where(col(Repayment.loan_id) == loan.id))
        ).all()
        [event] = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.loan_defaulted")
            )
        ).all()
    assert (claim.state, claim.loss, claim.approved, claim.paid) == (
        "PAID",
        1_000_000,
        500_000,
        500_000,
    )
    assert (payout.kind, payout.amount, payout.shortfall) == ("INSURANCE", 500_000, 0)
    paid = [
        (await wallet(sessions, i.require_participant())).available.minor - b
        for i, b in zip(investors, before, strict=True)
    ]
    assert paid == [300_000, 200_000]
    assert (await wallet(sessions, insurer_id)).available.minor == 10_000_000 - 500_000
    payload = event.payload
    assert (payload["covered"], payload["written_off"], payload["cover_due"]) == (500_000,) * 3
    assert await _consistent(sessions)

    # when the borrower repays 1,000.00 afterwards: the insurer's claim first
    await fund_wallet(sessions, clock, borrower.require_participant(), 100_000)
    assert await repay(sessions, clock, borrower, loan, 100_000, "after-default") == "OK"
    assert (await wallet(sessions, insurer_id)).available.minor == 10_000_000 - 400_000
    assert await _consistent(sessions)


async def test_an_unmigrated_loan_is_bound_its_policy_at_default_and_a_poor_insurer_owes_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given a loan sold the old way that nobody migrated, and an insurer holding 1,000.00
    loan, _, investors, insurer = await _old_way_loan(sessions, clock, 100_000)

    # when it defaults
    await _default(sessions, clock, loan)

    # then the default bound its policy and opened its claim, approved for the half share,
    # unpaid while the insurer cannot pay (the old path paid what it held and forgot the rest)
    async with sessions() as session:
        [policy] = (await session.exec(select(Policy))).all()
        [claim] = (await session.exec(select(Claim))).all()
    assert (policy.premium, policy.subject_id, policy.claimed) == (0, loan.id, 500_000)
    assert (claim.state, claim.approved, claim.paid) == ("APPROVED_UNPAID", 500_000, 0)
    assert (await wallet(sessions, insurer.require_participant())).available.minor == 100_000
    assert await _consistent(sessions)
    # and nothing is left for the migration
    assert await _migrate(sessions, clock) == 0
    assert len(investors) == 2
