"""Cover a loan product carries as a share written on it (an INSURANCE cover whose offer
names no CREDIT product: every loan sold before policies existed, and offers published
without one) is a policy too, so a default has one path: the claim.

Each such loan holds a policy of a CREDIT product mirroring the share (one per insurer,
currency and share; not on sale, so nobody buys it alone) at no premium: the borrower never
paid for that cover and pays nothing now. New loans are bound theirs at disbursement; loans
disbursed before are bound theirs by `agora insurance migrate-loan-covers`, or at the latest
by their default. The mirror product is parametric (`payout_hours`): the claim its loan's
default opens is approved at once for the share, as the share on the product always paid,
and an insurer short of money leaves it APPROVED_UNPAID for the worker's retries.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.insurance.commission import PremiumSplit
from domain.insurance.premiums import PremiumBasis, PremiumRule
from domain.insurance.products import DistributionModel, ProductKind
from domain.insurance.services.policies import Quote, Subject, issue_policy
from domain.insurance.services.updates import rule_document
from domain.insurance.tables import InsuranceProduct, Policy
from domain.lending.products import CoverKind, LoanProduct
from domain.lending.services.product_terms import product_of
from domain.lending.states import LoanState
from domain.lending.tables import CoverOfferRow, Loan, LoanProductRow

LOAN = "LOAN"
CODE = "LOAN-COVER"
# Beyond its last installment a loan's cover runs through the default clock, and a margin.
MARGIN_DAYS = 31
# The mirror product's promise: a default's claim is paid within a day (at once if it can).
PAYOUT_HOURS = 24
PRODUCTS = InsuranceProduct.__table__  # type: ignore[attr-defined]


def cover_life(loan: Loan, product: LoanProduct) -> timedelta:
    """How long a loan's credit policy runs: its term, its default clock and a margin."""
    return timedelta(days=31 * loan.term_months + product.default_days + MARGIN_DAYS)


async def carries_share(session: AsyncSession, product: LoanProduct) -> bool:
    """Whether the product's cover is an insurer's share written on it, naming no product."""
    cover = product.cover
    if cover.kind is not CoverKind.INSURANCE or cover.provider_id is None:
        return False
    if cover.offer_id is None:
        return True
    offer = await session.get(CoverOfferRow, cover.offer_id)
    return offer is None or offer.insurance_product_id is None


async def mirror_product(
    session: AsyncSession, *, insurer_id: UUID, currency: str, share: Decimal, now: datetime
) -> InsuranceProduct:
    """The insurer's CREDIT product paying `share` of a default at no premium; written once
    whatever concurrent loans ask for it."""
    code = f"{CODE}-{currency}-{format(share.normalize(), 'f')}"
    await (await session.connection()).execute(
        insert(PRODUCTS)
        .values(
            id=uuid4(),
            insurer_id=insurer_id,
            code=code,
            version=1,
            name=f"Loan cover: {share:.2%} of a default",
            kind=ProductKind.CREDIT.value,
            currency=currency,
            premium_rule=rule_document(PremiumRule(PremiumBasis.FIXED)),  # nothing to pay
            coverage_share=share,
            deductible=0,
            term_days=1,  # each policy runs its loan's life (cover_life)
            waiting_days=0,
            cooling_off_days=0,
            distribution=DistributionModel.DIRECT.value,
            commission_bps=0,
            policy_fee=0,
            min_insured=0,
            freight_table=[],
            payout_hours=PAYOUT_HOURS,
            on_sale=False,
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["insurer_id", "code"], index_where=sa.text("superseded_at IS NULL")
        )
    )
    found = await session.exec(
        select(InsuranceProduct).where(
            col(InsuranceProduct.insurer_id) == insurer_id,
            col(InsuranceProduct.code) == code,
            col(InsuranceProduct.superseded_at).is_(None),
        )
    )
    return found.one()


async def bind_carried_cover(
    session: AsyncSession, *, loan: Loan, product: LoanProduct, now: datetime
) -> Policy | None:
    """The locked loan's policy for the share its product carries, from its disbursement;
    None when its product carries no such share."""
    if not await carries_share(session, product):
        return None
    insurer_id = product.cover.provider_id
    assert insurer_id is not None  # carries_share checked it
    mirror = await mirror_product(
        session, insurer_id=insurer_id, currency=loan.currency, share=product.cover.share, now=now
    )
    starts = loan.disbursed_at or now
    quote = Quote(
        product=mirror,
        insured=loan.principal,
        premium=0,
        split=PremiumSplit(insurer=0, platform=0),
        starts_at=starts,
        ends_at=starts + cover_life(loan, product),
    )
    return await bind_loan_policy(session, loan=loan, quote=quote, now=now)


async def bind_loan_policy(
    session: AsyncSession, *, loan: Loan, quote: Quote, now: datetime
) -> Policy:
    """Bind `quote` as the loan's credit policy, held by its borrower (the system sells it)."""
    return await issue_policy(
        session,
        Actor.system(),
        quote=quote,
        holder_id=loan.borrower_id,
        now=now,
        subject=Subject(LOAN, loan.id),
    )


def _insured(loan_id: Any) -> sa.Exists:
    return sa.exists().where(
        col(Policy.subject_type) == LOAN,
        col(Policy.subject_id) == loan_id,
        col(Policy.kind) == ProductKind.CREDIT.value,
    )


def _uninsured_loans(limit: int) -> sa.Select[UUID]:
    """Disbursed, live loans under an INSURANCE cover naming no product, with no policy."""
    return (
        sa.select(col(Loan.id))
        .join(LoanProductRow, col(LoanProductRow.id) == col(Loan.product_id))
        .outerjoin(CoverOfferRow, col(CoverOfferRow.id) == col(LoanProductRow.cover_offer_id))
        .where(
            col(Loan.state) == LoanState.ACTIVE.value,
            col(LoanProductRow.cover_kind) == CoverKind.INSURANCE.value,
            col(LoanProductRow.cover_provider).is_not(None),
            col(CoverOfferRow.insurance_product_id).is_(None),
            ~_insured(col(Loan.id)),
        )
        .order_by(col(Loan.id))
        .limit(limit)
    )


async def migrate_carried_covers(session: AsyncSession, *, now: datetime, limit: int = 200) -> int:
    """Bind up to `limit` loans disbursed before policies existed their carried cover's
    policy; how many it bound (0: none left). Idempotent: a loan holding one is skipped."""
    connection = await session.connection()
    ids = (await connection.execute(_uninsured_loans(limit))).scalars().all()
    bound = 0
    for loan_id in ids:
        # Locked as the worker's default job locks it: a default and this never cross.
        loan = await session.get(Loan, loan_id, with_for_update=True, populate_existing=True)
        assert loan is not None  # loans are never deleted
        if loan.state != LoanState.ACTIVE.value or await connection.scalar(
            sa.select(_insured(loan.id))
        ):
            continue  # repaid meanwhile, or bound by a concurrent run or its default
        row = await session.get(LoanProductRow, loan.product_id)
        assert row is not None  # product versions are never deleted
        policy = await bind_carried_cover(session, loan=loan, product=product_of(row), now=now)
        bound += policy is not None
    return bound
