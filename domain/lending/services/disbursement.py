"""Full funding: capture every funder's hold, pay the borrower (less fees taken upfront),
write the schedule and make the notes live, in the transaction that filled the loan.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.services.outbox import emit
from domain.insurance.services.credit_cover import insure_loan
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.lending.calendar import monthly_due_dates
from domain.lending.events import LoanFunded
from domain.lending.fees import FeeTiming, fee_amount, plan_fees
from domain.lending.products import LoanProduct
from domain.lending.schedule import RepaymentMethod, RoundingMode, build_schedule
from domain.lending.services.accounts import loan_receivable_key, revenue_key
from domain.lending.services.note_holds import resolve_held_notes
from domain.lending.states import LoanEvent, LoanState, transition
from domain.lending.tables import Loan, LoanInstallment, LoanNote
from domain.wallets.services.accounts import wallet_key


async def disburse(
    session: AsyncSession, *, loan: Loan, product: LoanProduct, now: datetime
) -> list[LoanNote]:
    """Disburse the locked, FUNDED `loan`; its notes, now ACTIVE."""
    notes = await resolve_held_notes(session, loan_id=loan.id, now=now, capture=True)
    currency, tag = loan.currency, {"loan": str(loan.id)}
    receivable = loan_receivable_key(loan.id, currency)
    wallet = wallet_key(loan.borrower_id, currency)
    legs = []
    for rule in product.fees:  # each upfront fee to its own revenue stream
        fee = fee_amount(rule, loan.principal)
        if rule.timing is FeeTiming.UPFRONT and fee:
            revenue = revenue_key(f"{rule.name}_fee", currency)
            legs.append(KeyedLeg(receivable, revenue, fee, "LOAN_FEE", tag))
    loan.upfront_fee = sum(leg.amount for leg in legs)
    legs.insert(
        0,
        KeyedLeg(receivable, wallet, loan.principal - loan.upfront_fee, "LOAN_DISBURSEMENT", tag),
    )
    await post_by_key(session, legs=legs, now=now, journal_id=uuid4())
    # Its credit policy, if its cover names one: the premium from the proceeds just paid.
    await insure_loan(session, loan=loan, product=product, now=now)
    _write_schedule(session, loan, product, now)
    loan.state = transition(LoanState(loan.state), LoanEvent.DISBURSED).value
    loan.disbursed_at = now
    await session.flush()
    funded = LoanFunded(
        loan_id=str(loan.id),
        principal=loan.principal,
        currency=currency,
        disbursed=loan.principal - loan.upfront_fee,
        funders=len(notes),
    )
    await emit(
        session,
        funded,
        aggregate_id=loan.id,
        occurred_at=now,
        audience=[loan.borrower_id, *(note.holder_id for note in notes)],
    )
    return notes


def _write_schedule(session: AsyncSession, loan: Loan, product: LoanProduct, now: datetime) -> None:
    schedule = build_schedule(
        principal=loan.principal,
        annual_rate=loan.borrower_rate,
        term_months=loan.term_months,
        method=RepaymentMethod(loan.repayment_method),
        rounding=RoundingMode[loan.rounding],
    )
    dates = monthly_due_dates(now.astimezone(UTC).date(), loan.term_months, months_to_first=1)
    fees = plan_fees(
        product.fees, principal=loan.principal, installments=loan.term_months
    ).per_installment
    loan.first_due_date = dates[0]
    for item, due, fee in zip(schedule, dates, fees, strict=True):
        session.add(
            LoanInstallment(
                loan_id=loan.id,
                number=item.number,
                due_date=due,
                principal_due=item.principal,
                interest_due=item.interest,
                fee_due=fee,
            )
        )
