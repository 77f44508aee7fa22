"""What buyers, insurers and operators read: products, policies, claims, an insurer's book
and every insurer's solvency. A policy or claim is seen by its holder (claimant or
beneficiary), its insurer and operators; products on sale by anyone."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from uuid import UUID

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.insurance.services.accounts import wallet_key
from domain.insurance.services.products import require_insurer
from domain.insurance.states import OUTSTANDING_CLAIMS, ClaimState, PolicyState
from domain.insurance.tables import Claim, InsuranceProduct, Policy
from domain.ledger.services.account_locks import AccountKey
from domain.ledger.tables import LedgerAccount
from domain.money import round_half_up


def _sees_policy(actor: Actor) -> object:
    me = actor.participant_id
    return or_(col(Policy.holder_id) == me, col(Policy.insurer_id) == me)


def _sees_claim(actor: Actor) -> object:
    me = actor.participant_id
    return or_(
        col(Claim.claimant_id) == me,
        col(Claim.beneficiary_id) == me,
        col(Claim.insurer_id) == me,
    )


async def products_by_id(session: AsyncSession, ids: Collection[UUID]) -> list[InsuranceProduct]:
    """Product versions by id: the terms a policy was sold under are anyone's to read."""
    rows = await session.exec(select(InsuranceProduct).where(col(InsuranceProduct.id).in_(ids)))
    return list(rows.all())


async def policies_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[Policy]:
    query = select(Policy).where(col(Policy.id).in_(ids))
    if not actor.is_operator:
        if actor.participant_id is None:
            return []
        query = query.where(_sees_policy(actor))  # type: ignore[arg-type]
    return list((await session.exec(query)).all())


async def claims_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[Claim]:
    query = select(Claim).where(col(Claim.id).in_(ids))
    if not actor.is_operator:
        if actor.participant_id is None:
            return []
        query = query.where(_sees_claim(actor))  # type: ignore[arg-type]
    return list((await session.exec(query)).all())


async def my_policies(
    session: AsyncSession, *, actor: Actor, limit: int, state: PolicyState | None = None
) -> list[Policy]:
    """The caller's policies (as holder), newest first."""
    query = select(Policy).where(col(Policy.holder_id) == actor.require_participant())
    if state is not None:
        query = query.where(col(Policy.state) == state.value)
    order = (col(Policy.created_at).desc(), col(Policy.id))
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def underwritten_policies(
    session: AsyncSession, *, actor: Actor, limit: int, state: PolicyState | None = None
) -> list[Policy]:
    """The policies the calling insurer underwrites, newest first."""
    query = select(Policy).where(col(Policy.insurer_id) == require_insurer(actor))
    if state is not None:
        query = query.where(col(Policy.state) == state.value)
    order = (col(Policy.created_at).desc(), col(Policy.id))
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def my_claims(session: AsyncSession, *, actor: Actor, limit: int) -> list[Claim]:
    """Claims the caller filed or is paid by, newest first."""
    me = actor.require_participant()
    query = select(Claim).where(or_(col(Claim.claimant_id) == me, col(Claim.beneficiary_id) == me))
    order = (col(Claim.created_at).desc(), col(Claim.id))
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def insurance_claims(
    session: AsyncSession, *, actor: Actor, limit: int, state: ClaimState | None = None
) -> list[Claim]:
    """Claims to decide and pay: the calling insurer's, or every insurer's for an operator;
    oldest first (what waits longest first)."""
    query = select(Claim)
    if not actor.is_operator:
        query = query.where(col(Claim.insurer_id) == require_insurer(actor))
    if state is not None:
        query = query.where(col(Claim.state) == state.value)
    order = (col(Claim.created_at), col(Claim.id))
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


@dataclass(frozen=True, slots=True)
class BookLine:
    """One product (all its versions) in an insurer's book, in its currency."""

    code: str
    kind: str
    currency: str
    policies: int
    written: int  # premiums, less what cancellations gave back
    earned: int  # of `written`, the part of the terms already run
    commission: int  # to the platform, less what was reversed
    claims_paid: int
    claims_outstanding: int  # approved and unpaid, and the losses claimed on open claims

    @property
    def loss_ratio(self) -> Fraction | None:
        """Claims paid and outstanding over premiums earned (None before anything is earned)."""
        if not self.earned:
            return None
        return Fraction(self.claims_paid + self.claims_outstanding, self.earned)


def earned_part(policy: Policy, now: datetime) -> int:
    """The premium kept (after refunds) earned by `now`, in proportion to the term run."""
    kept = policy.premium - policy.refunded_insurer - policy.refunded_commission
    if policy.state == PolicyState.CANCELLED.value or now >= policy.ends_at:
        return kept
    term = (policy.ends_at - policy.starts_at).total_seconds()
    run = max((now - policy.starts_at).total_seconds(), 0)
    return round_half_up(Fraction(kept) * Fraction(run) / Fraction(term)) if term else kept


def _outstanding(claim: Claim) -> int:
    if ClaimState(claim.state) not in OUTSTANDING_CLAIMS:
        return 0
    if claim.state == ClaimState.OPEN.value:
        return claim.loss
    return claim.approved - claim.paid


async def book(session: AsyncSession, *, actor: Actor, now: datetime) -> list[BookLine]:
    """The calling insurer's book, by product code."""
    insurer_id = require_insurer(actor)
    rows = await session.exec(
        select(Policy, InsuranceProduct)
        .join(InsuranceProduct, col(InsuranceProduct.id) == col(Policy.product_id))
        .where(col(Policy.insurer_id) == insurer_id)
    )
    claims = await session.exec(select(Claim).where(col(Claim.insurer_id) == insurer_id))
    by_policy: dict[UUID, list[Claim]] = {}
    for claim in claims.all():
        by_policy.setdefault(claim.policy_id, []).append(claim)
    lines: dict[tuple[str, str], dict[str, int | str]] = {}
    for policy, product in rows.all():
        line = lines.setdefault(
            (product.code, policy.currency),
            {
                "kind": product.kind,
                "policies": 0,
                "written": 0,
                "earned": 0,
                "commission": 0,
                "paid": 0,
                "outstanding": 0,
            },
        )
        theirs = by_policy.get(policy.id, [])
        line["policies"] = int(line["policies"]) + 1
        written = policy.premium - policy.refunded_insurer - policy.refunded_commission
        line["written"] = int(line["written"]) + written
        line["earned"] = int(line["earned"]) + earned_part(policy, now)
        line["commission"] = (
            int(line["commission"]) + policy.commission - policy.refunded_commission
        )
        line["paid"] = int(line["paid"]) + sum(c.paid for c in theirs)
        line["outstanding"] = int(line["outstanding"]) + sum(_outstanding(c) for c in theirs)
    return [
        BookLine(
            code=code,
            kind=str(v["kind"]),
            currency=currency,
            policies=int(v["policies"]),
            written=int(v["written"]),
            earned=int(v["earned"]),
            commission=int(v["commission"]),
            claims_paid=int(v["paid"]),
            claims_outstanding=int(v["outstanding"]),
        )
        for (code, currency), v in sorted(lines.items())
    ]


@dataclass(frozen=True, slots=True)
class Solvency:
    """An insurer's claims outstanding against what its account holds, in one currency."""

    insurer_id: UUID
    currency: str
    balance: int
    outstanding: int
    unpaid_claims: int  # APPROVED_UNPAID: approved, and its account could not pay them

    @property
    def covered(self) -> bool:
        return self.balance >= self.outstanding


async def solvency(session: AsyncSession, *, actor: Actor) -> list[Solvency]:
    """Every insurer with claims outstanding or a book: operators only."""
    actor.require_operator()
    outstanding = func.sum(
        func.coalesce(func.nullif(col(Claim.approved) - col(Claim.paid), 0), col(Claim.loss))
    )
    unpaid = func.count().filter(col(Claim.state) == ClaimState.APPROVED_UNPAID.value)
    rows = await session.exec(
        select(col(Claim.insurer_id), col(Claim.currency), outstanding, unpaid)
        .where(col(Claim.state).in_([s.value for s in OUTSTANDING_CLAIMS]))
        .group_by(col(Claim.insurer_id), col(Claim.currency))
    )
    owed = {(r[0], r[1]): (int(r[2] or 0), int(r[3])) for r in rows.all()}
    insurers = await session.exec(select(col(Policy.insurer_id), col(Policy.currency)).distinct())
    keys = set(owed) | {(r[0], r[1]) for r in insurers.all()}
    balances = await _balances(session, [wallet_key(i, c) for i, c in keys])
    return [
        Solvency(
            insurer_id=insurer,
            currency=currency,
            balance=balances.get((insurer, currency), 0),
            outstanding=owed.get((insurer, currency), (0, 0))[0],
            unpaid_claims=owed.get((insurer, currency), (0, 0))[1],
        )
        for insurer, currency in sorted(keys, key=lambda k: (str(k[0]), k[1]))
    ]


async def _balances(session: AsyncSession, keys: list[AccountKey]) -> dict[tuple[UUID, str], int]:
    if not keys:
        return {}
    rows = await session.exec(
        select(LedgerAccount).where(
            col(LedgerAccount.kind) == "WALLET",
            col(LedgerAccount.owner_id).in_({k.owner_id for k in keys}),
        )
    )
    return {
        (a.owner_id, a.currency): a.credits_posted - a.debits_posted - a.debits_pending
        for a in rows.all()
        if a.owner_id is not None
    }
