"""Listing an accepted application's loan, and matching it at once against standing funding."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.fees import plan_fees
from domain.lending.services.cover_offers import require_cover_in_force
from domain.lending.services.matching import match_listing
from domain.lending.services.product_terms import product_of
from domain.lending.states import LoanState
from domain.lending.tables import Loan, LoanApplication, LoanProductRow


def loan_for(application: LoanApplication, product: LoanProductRow, now: datetime) -> Loan:
    """The LISTED loan an accepted application becomes under `product` (not yet written)."""
    assert application.annual_rate is not None
    assert application.grade is not None
    plan = plan_fees(
        product_of(product).fees,
        principal=application.amount,
        installments=application.term_months,
    )
    return Loan(
        application_id=application.id,
        borrower_id=application.borrower_id,
        product_id=product.id,
        currency=application.currency,
        principal=application.amount,
        term_months=application.term_months,
        repayment_method=application.repayment_method,
        rounding=product.rounding,
        grade=application.grade,
        borrower_rate=application.annual_rate,
        funder_rate=max(application.annual_rate - product.platform_spread, Decimal(0)),
        upfront_fee=plan.upfront,
        spread_fee=sum(plan.per_installment),
        state=LoanState.LISTED.value,
        listed_at=now,
        funding_deadline=now + timedelta(days=product.funding_days),
    )


async def list_loan(
    session: AsyncSession, *, application: LoanApplication, product: LoanProductRow, now: datetime
) -> Loan:
    """A LISTED loan for `application`, already matched as far as standing funding goes."""
    await require_cover_in_force(session, product)
    loan = loan_for(application, product, now)
    session.add(loan)
    await session.flush()
    # Lock the new row like every funding path does: loan first, then offers by id.
    await session.refresh(loan, with_for_update=True)
    await match_listing(session, loan=loan, product=product, now=now)
    return loan
