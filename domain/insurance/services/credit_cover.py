"""Credit cover as a policy: a loan product whose INSURANCE cover offer names the insurer's
CREDIT product sells each loan a policy of it at disbursement (the borrower pays the premium
from the proceeds; the policy insures the principal for the loan's life and its default
days). On default the loan opens the policy's claim, for the funders' outstanding principal;
what the claim may pay stays on the loan's books until the insurer decides (the rest is
written off at once), and its payment reaches the funders through lending's cover payout.
Loans sold before policies existed, or under an offer naming no product, hold a policy of
the share their product version states (carried_cover.py), settled at default by itself. An
offer that does not require its cover sells it only to the borrowers who buy it when
applying or accepting their offer; the others' funders have no cover.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.insurance.claims import payable
from domain.insurance.errors import CoverNotOffered
from domain.insurance.products import ProductKind
from domain.insurance.services.carried_cover import (
    LOAN,
    bind_carried_cover,
    bind_loan_policy,
    cover_life,
)
from domain.insurance.services.claims import CREDIT_TRIGGER, decide_automatically, open_claim
from domain.insurance.services.policies import price
from domain.insurance.services.updates import product_of, terms_of
from domain.insurance.states import ClaimState
from domain.insurance.tables import Claim, InsuranceProduct, Policy
from domain.lending.products import CoverKind, LoanProduct
from domain.lending.tables import CoverOfferRow, Loan


async def _selling_offer(session: AsyncSession, product: LoanProduct) -> CoverOfferRow | None:
    """The product's INSURANCE cover offer that sells a CREDIT policy, or None."""
    cover = product.cover
    if cover.kind is not CoverKind.INSURANCE or cover.offer_id is None:
        return None
    offer = await session.get(CoverOfferRow, cover.offer_id)
    if offer is None or offer.insurance_product_id is None:
        return None
    return offer


async def check_cover_choice(
    session: AsyncSession,
    product: LoanProduct,
    *,
    buys: bool,
    loan: tuple[int, str] | None = None,
    now: datetime | None = None,
) -> None:
    """CoverNotOffered when the borrower buys credit cover the product's offer does not sell,
    or (given the `loan`'s principal and grade, and `now`) cannot sell it: a premium rule
    that does not price the grade, an amount outside what the product insures."""
    if not buys:
        return
    offer = await _selling_offer(session, product)
    if offer is None:
        raise CoverNotOffered(
            "the loan product's cover offer sells no credit insurance", field="buy_credit_cover"
        )
    if loan is None or now is None:
        return
    insurance = await session.get(InsuranceProduct, offer.insurance_product_id)
    assert insurance is not None  # product versions are never deleted
    principal, grade = loan
    try:
        price(insurance, insured=principal, now=now, grade=grade)
    except DomainError as refusal:
        raise CoverNotOffered(
            f"the credit cover cannot be sold for this loan: {refusal.message}",
            field="buy_credit_cover",
        ) from None


async def insure_loan(
    session: AsyncSession, *, loan: Loan, product: LoanProduct, now: datetime
) -> Policy | None:
    """Bind the credit policy the loan's cover offer names, if it names one and requires it
    or the borrower bought it."""
    offer = await _selling_offer(session, product)
    if offer is None:
        return await bind_carried_cover(session, loan=loan, product=product, now=now)
    if not (offer.requires_cover or loan.buys_credit_cover):
        return None
    assert offer.insurance_product_id is not None  # a selling offer names its product
    # The offer is the insurer's standing promise: the version it names sells, on sale or not.
    insurance = await session.get(InsuranceProduct, offer.insurance_product_id)
    assert insurance is not None  # product versions are never deleted
    quote = price(insurance, insured=loan.principal, now=now, grade=loan.grade)
    quote = replace(quote, ends_at=max(quote.ends_at, now + cover_life(loan, product)))
    return await bind_loan_policy(session, loan=loan, quote=quote, now=now)


async def credit_policy_of(session: AsyncSession, loan_id: UUID) -> Policy | None:
    """The loan's credit policy, locked; None for a loan sold without one."""
    found = await session.exec(
        select(Policy)
        .where(
            col(Policy.subject_type) == LOAN,
            col(Policy.subject_id) == loan_id,
            col(Policy.kind) == ProductKind.CREDIT.value,
        )
        .with_for_update()
    )
    return found.first()


async def open_default_claim(
    session: AsyncSession, policy: Policy, *, loan: Loan, outstanding: int, now: datetime
) -> int:
    """Open the defaulted loan's claim for the funders' `outstanding` principal; what it may
    pay (kept on the loan's books for it)."""
    if not outstanding:
        return 0
    terms = terms_of(await product_of(session, policy))
    held = payable(
        terms.coverage, insured=policy.insured, loss=outstanding, paid_before=policy.claimed
    )
    claim = await open_claim(
        session,
        policy,
        trigger=f"{CREDIT_TRIGGER}{loan.id}",
        loss=outstanding,
        beneficiary_id=None,  # the funders, by their shares
        now=now,
    )
    return held if claim is not None else 0


async def pending_cover(session: AsyncSession, loan_id: UUID) -> int:
    """What the loan's books keep for its credit claim that its insurer has not paid yet
    (what an open claim may pay, what an approved one still owes): the funders', not the
    insurer's, until it pays; 0 for a loan without a credit claim."""
    found = await session.exec(
        select(Claim).where(col(Claim.trigger) == f"{CREDIT_TRIGGER}{loan_id}")
    )
    claim = found.first()
    if claim is None or claim.state in (ClaimState.PAID.value, ClaimState.REJECTED.value):
        return 0
    if claim.state != ClaimState.OPEN.value:
        return claim.approved - claim.paid
    policy = await session.get(Policy, claim.policy_id)
    assert policy is not None  # policies are never deleted
    terms = terms_of(await product_of(session, policy))
    return payable(
        terms.coverage, insured=policy.insured, loss=claim.loss, paid_before=policy.claimed
    )


async def settle_default_claim(
    session: AsyncSession, policy: Policy, *, loan: Loan, now: datetime
) -> int:
    """Decide the defaulted loan's open claim at once if its product is parametric (the
    share a loan product carried: carried_cover.py), paying what is payable to the funders
    if the insurer can; what it paid (0 while an insurer is to decide, or cannot pay)."""
    terms = terms_of(await product_of(session, policy))
    if not terms.payout_hours:
        return 0
    found = await session.exec(
        select(Claim).where(col(Claim.trigger) == f"{CREDIT_TRIGGER}{loan.id}").with_for_update()
    )
    claim = found.first()
    if claim is None or claim.state != ClaimState.OPEN.value:
        return 0
    held = payable(
        terms.coverage, insured=policy.insured, loss=claim.loss, paid_before=policy.claimed
    )
    why = "parametric: the share of the default the loan's product carried"
    await decide_automatically(session, claim, policy, held, why=why, now=now)
    return claim.paid
