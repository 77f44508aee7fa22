"""Listing an accepted application's loan, and matching it at once against standing funding."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.insurance.services.credit_cover import check_cover_choice
from domain.lending.fees import plan_fees
from domain.lending.services.cover_offers import require_cover_in_force
from domain.lending.services.matching import match_listing
from domain.lending.services.product_terms import product_of
from domain.lending.states import LoanState
from domain.lending.tables import Loan, LoanApplication, LoanProductRow


def loan_for(
    application: LoanApplication,
    product: LoanProductRow,
    now: datetime,
    *,
    buys_credit_cover: bool = False,
) -> Loan:
    """The LISTED loan an accepted application becomes under `product` (not yet written);
    `buys_credit_cover`: the borrower bought the credit cover the product offers."""
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
        buys_credit_cover=buys_credit_cover,
    )


async def list_loan(
    session: AsyncSession,
    *,
    application: LoanApplication,
    product: LoanProductRow,
    now: datetime,
    buys_credit_cover: bool = False,
) -> Loan:
    """A LISTED loan for `application`, already matched as far as standing funding goes;
    `buys_credit_cover`: the borrower buys the credit cover its product's offer sells
    (CoverNotOffered if it sells none)."""
    await require_cover_in_force(session, product)
    assert application.grade is not None  # an approved application is graded
    await check_cover_choice(
        session,
        product_of(product),
        buys=buys_credit_cover,
        loan=(application.amount, application.grade),
        now=now,
    )
    loan = loan_for(application, product, now, buys_credit_cover=buys_credit_cover)
    session.add(loan)
    await session.flush()
    # Lock the new row like every funding path does: loan first, then offers by id.
    await session.refresh(loan, with_for_update=True)
    await match_listing(session, loan=loan, product=product, now=now)
    return loan
