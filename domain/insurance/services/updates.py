"""What every insurance use case shares: locking rows, a product's terms, events, audit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.events.services.outbox import emit
from domain.insurance.events import ClaimUpdated, PolicyUpdated
from domain.insurance.premiums import PremiumBasis, PremiumRule, RateBand
from domain.insurance.products import (
    Coverage,
    Distribution,
    DistributionModel,
    FreightBand,
    InsuranceTerms,
    ProductKind,
)
from domain.insurance.tables import Claim, InsuranceProduct, Policy


def rule_document(rule: PremiumRule) -> dict[str, Any]:
    """A premium rule as its product row keeps it."""
    return {
        "basis": rule.basis.value,
        "basis_points": rule.basis_points,
        "amount": rule.amount,
        "by_grade": dict(rule.by_grade),
        "bands": [[band.up_to_bps, band.premium] for band in rule.bands],
        "minimum": rule.minimum,
        "maximum": rule.maximum,
    }


def rule_of(document: dict[str, Any]) -> PremiumRule:
    return PremiumRule(
        basis=PremiumBasis(document["basis"]),
        basis_points=document["basis_points"],
        amount=document["amount"],
        by_grade=MappingProxyType(dict(document["by_grade"])),
        bands=tuple(RateBand(up_to, premium) for up_to, premium in document["bands"]),
        minimum=document["minimum"],
        maximum=document["maximum"],
    )


def terms_of(row: InsuranceProduct) -> InsuranceTerms:
    """The product version's terms, as the pure rules take them."""
    return InsuranceTerms(
        code=row.code,
        name=row.name,
        kind=ProductKind(row.kind),
        currency=row.currency,
        premium=rule_of(row.premium_rule),
        coverage=Coverage(Decimal(row.coverage_share), row.max_payout, row.deductible),
        term_days=row.term_days,
        waiting_days=row.waiting_days,
        cooling_off_days=row.cooling_off_days,
        distribution=Distribution(
            DistributionModel(row.distribution), row.commission_bps, row.policy_fee
        ),
        min_insured=row.min_insured,
        max_insured=row.max_insured,
        freight_table=tuple(FreightBand(b["up_to"], b["payout"]) for b in row.freight_table),
        payout_hours=row.payout_hours,
    )


async def lock_policy(session: AsyncSession, policy_id: UUID) -> Policy:
    policy = await session.get(Policy, policy_id, with_for_update=True, populate_existing=True)
    if policy is None:
        raise NotFound("no such policy", field="policy_id")
    return policy


async def lock_claim(session: AsyncSession, claim_id: UUID) -> Claim:
    claim = await session.get(Claim, claim_id, with_for_update=True, populate_existing=True)
    if claim is None:
        raise NotFound("no such claim", field="claim_id")
    return claim


async def product_of(session: AsyncSession, policy: Policy) -> InsuranceProduct:
    product = await session.get(InsuranceProduct, policy.product_id)
    assert product is not None  # product versions are never deleted
    return product


async def policy_updated(
    session: AsyncSession, policy: Policy, change: str, *, now: datetime
) -> None:
    """Tell the holder and the insurer how the policy stands after `change`."""
    event = PolicyUpdated(
        policy_id=str(policy.id),
        change=change,
        state=policy.state,
        kind=policy.kind,
        product_id=str(policy.product_id),
        currency=policy.currency,
        insured=policy.insured,
        premium=policy.premium,
        commission=policy.commission,
        refunded=policy.refunded_insurer + policy.refunded_commission,
        starts_at=policy.starts_at.isoformat(),
        ends_at=policy.ends_at.isoformat(),
        subject_type=policy.subject_type,
        subject_id=str(policy.subject_id) if policy.subject_id else None,
    )
    await emit(
        session,
        event,
        aggregate_id=policy.id,
        occurred_at=now,
        audience=dict.fromkeys([policy.holder_id, policy.insurer_id]),
    )


async def claim_updated(
    session: AsyncSession,
    claim: Claim,
    change: str,
    *,
    now: datetime,
    audience: Iterable[UUID] = (),
) -> None:
    """Tell the insured, the beneficiary, the insurer (and `audience`) how the claim stands."""
    event = ClaimUpdated(
        claim_id=str(claim.id),
        policy_id=str(claim.policy_id),
        change=change,
        state=claim.state,
        currency=claim.currency,
        loss=claim.loss,
        approved=claim.approved,
        paid=claim.paid,
        decision=claim.decision,
        reason=claim.reason,
    )
    people = [claim.claimant_id, claim.insurer_id, claim.beneficiary_id, *audience]
    await emit(
        session,
        event,
        aggregate_id=claim.id,
        occurred_at=now,
        audience=dict.fromkeys(p for p in people if p is not None),
    )


def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    target: InsuranceProduct | Policy | Claim,
    details: dict[str, Any] | None = None,
) -> None:
    """The audit entry of an insurance action (every privileged and money-moving one)."""
    record(
        session,
        actor=actor,
        action=f"insurance.{action}",
        outcome=Outcome.SUCCESS,
        at=at,
        target_type=type(target).__name__,
        target_id=target.id,
        details=details or {},
    )
