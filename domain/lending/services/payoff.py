"""What paying a loan off today costs its borrower, under the product's early-repayment rule.

The same rule `repayLoan` applies: an amount at least this quote settles the loan that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock, today
from domain.lending.early_repayment import EarlyRepaymentInterest, payoff_quote
from domain.lending.services.receive_repayment import open_dues, schedule_of
from domain.lending.states import LoanState, LoanStateConflict
from domain.lending.tables import Loan, LoanProductRow


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    loan: Loan
    on: date
    total: int
    penalty: int
    fees: int
    interest: int
    principal: int
    waived: int  # interest and fees of the periods not used


async def quote_payoff(
    session: AsyncSession, *, clock: Clock, actor: Actor, loan_id: UUID
) -> PayoffQuote:
    """The payoff of your ACTIVE loan today, by component, and what paying it off saves."""
    borrower_id = actor.require_person()
    loan = await session.get(Loan, loan_id)
    if loan is None or loan.borrower_id != borrower_id:
        raise NotFound("no such loan", field="loan_id")
    if loan.state != LoanState.ACTIVE.value:
        raise LoanStateConflict(f"the loan is {loan.state}", field="loan_id")
    product = await session.get(LoanProductRow, loan.product_id)
    assert product is not None
    on = today(clock)
    rows = await schedule_of(session, loan.id, lock=False)
    rule = EarlyRepaymentInterest(product.early_repayment)
    payoff = payoff_quote(open_dues(loan, rows), on=on, rule=rule)
    items = payoff.settles
    return PayoffQuote(
        loan=loan,
        on=on,
        total=payoff.total,
        penalty=sum(i.penalty for i in items),
        fees=sum(i.fees for i in items),
        interest=sum(i.interest for i in items),
        principal=sum(i.principal for i in items),
        waived=sum(w.total for w in payoff.waived),
    )
