"""Claims: filed by the insured or opened by their cause (a loan's default, an escrow
refund: one claim per cause, however often it is delivered), decided by the insurer
(APPROVE / PARTIAL / REJECT with a reason) or by the product's parametric table, and paid
from the insurer's wallet in one journal. A claim the insurer's wallet cannot pay stays
APPROVED_UNPAID and is retried (`retry_unpaid_claims`); nothing is paid twice: what a claim
paid is on its row, and only the difference to what was approved is ever paid.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.claims import (
    Decision,
    check_claimable,
    decided_amount,
    freight_payout,
    max_payout,
    payable,
)
from domain.insurance.errors import ClaimRefused
from domain.insurance.products import ProductKind
from domain.insurance.services.accounts import wallet_key
from domain.insurance.services.products import require_insurer
from domain.insurance.services.updates import (
    audit,
    claim_updated,
    lock_claim,
    lock_policy,
    policy_updated,
    product_of,
    terms_of,
)
from domain.insurance.states import (
    ClaimEvent,
    ClaimState,
    PolicyEvent,
    PolicyState,
    claim_transition,
    policy_transition,
)
from domain.insurance.tables import Claim, Policy
from domain.ledger.services.account_locks import KeyedLeg, lock_accounts_by_key, post_by_key
from domain.money import Money

CLAIMS = Claim.__table__  # type: ignore[attr-defined]
PAYOUT = "INSURANCE_CLAIM"
CREDIT_TRIGGER = "default:loan:"
FILED_BY_THE_INSURED = frozenset({ProductKind.TERM, ProductKind.PURCHASE_PROTECTION})

# (claim, policy, amount, now) -> what it paid (at most `amount`: a credit claim never pays
# funders beyond what they are still owed), None if the insurer's account could not pay it.
BeneficiaryPayout = Callable[[AsyncSession, Claim, Policy, int, datetime], Awaitable[int | None]]


def _payout_of(kind: ProductKind) -> BeneficiaryPayout:
    """How a kind's claim reaches its beneficiaries: wallet to wallet, except credit cover,
    which pays the loan's funders through lending's cover payout. Imported here, not above:
    lending's default opens claims, so the two modules would import each other."""
    if kind is ProductKind.CREDIT:
        from domain.insurance.services import credit_claims

        return credit_claims.pay_credit_claim
    return _pay_wallet


async def _pay_wallet(
    session: AsyncSession, claim: Claim, policy: Policy, amount: int, now: datetime
) -> int | None:
    insurer = wallet_key(claim.insurer_id, claim.currency)
    beneficiary = wallet_key(claim.beneficiary_id or claim.claimant_id, claim.currency)
    locked = await lock_accounts_by_key(session, {insurer, beneficiary}, now=now)
    if locked[insurer].balances.available_credit < amount:
        return None
    claim.journal_id = uuid4()
    leg = KeyedLeg(insurer, beneficiary, amount, PAYOUT, {"claim": str(claim.id)})
    await post_by_key(session, legs=[leg], now=now, journal_id=claim.journal_id)
    return amount


async def _tell(session: AsyncSession, claim: Claim, change: str, now: datetime) -> None:
    """claimUpdated to the insured, the insurer and the beneficiaries: for a credit claim
    (no single beneficiary), the defaulted loan's funders."""
    funders: list[UUID] = []
    if claim.beneficiary_id is None and (claim.trigger or "").startswith(CREDIT_TRIGGER):
        from domain.insurance.services import credit_claims  # see _payout_of

        funders = await credit_claims.funders_of(session, claim)
    await claim_updated(session, claim, change, now=now, audience=funders)


async def pay_claim(session: AsyncSession, claim: Claim, policy: Policy, *, now: datetime) -> None:
    """Pay the locked, approved claim what it was approved and has not received; if the
    insurer's account cannot, it stays (or becomes) APPROVED_UNPAID, to be retried."""
    due = claim.approved - claim.paid
    claim.attempts += 1
    claim.updated_at = now
    pay = _payout_of(ProductKind(policy.kind))
    paid = await pay(session, claim, policy, due, now) if due else 0
    if paid is None:
        if claim.state == ClaimState.APPROVED.value:
            claim.state = claim_transition(ClaimState(claim.state), ClaimEvent.PAYMENT_FAILED).value
            session.add(claim)
            await session.flush()
            await _tell(session, claim, "PAYMENT_FAILED", now)
        session.add(claim)
        return
    claim.paid += paid
    claim.paid_at = now
    claim.state = claim_transition(ClaimState(claim.state), ClaimEvent.PAY).value
    session.add(claim)
    await session.flush()
    await _tell(session, claim, "PAID", now)


async def _approve(
    session: AsyncSession, claim: Claim, policy: Policy, amount: int, *, now: datetime
) -> None:
    """Record the approval of `amount` (against the policy's maximum payout) and pay it."""
    claim.state = claim_transition(ClaimState(claim.state), ClaimEvent.APPROVE).value
    claim.approved = amount
    policy.claimed += amount
    policy.updated_at = now
    terms = terms_of(await product_of(session, policy))
    exhausted = policy.claimed >= max_payout(terms.coverage, policy.insured)
    if exhausted and policy.state == PolicyState.ACTIVE.value:
        policy.state = policy_transition(PolicyState.ACTIVE, PolicyEvent.EXHAUST).value
        await policy_updated(session, policy, "CLAIMED_OUT", now=now)
    session.add_all([claim, policy])
    await session.flush()
    await _tell(session, claim, "DECIDED", now)
    await pay_claim(session, claim, policy, now=now)


async def payable_on(session: AsyncSession, claim: Claim, policy: Policy) -> int:
    """What the claim may pay now, under its policy's coverage and what was approved before."""
    terms = terms_of(await product_of(session, policy))
    return payable(
        terms.coverage, insured=policy.insured, loss=claim.loss, paid_before=policy.claimed
    )


@dataclass(frozen=True, slots=True)
class ClaimKept(StoredAnswer):
    claim_id: UUID


async def file_claim(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    policy_id: UUID,
    loss: Money,
    description: str,
    idempotency_key: str,
) -> Claim:
    """The insured claims `loss` under its policy (in its term, past its waiting period)."""
    holder_id = actor.require_participant()
    if len(description) > 1000:
        raise InvalidInput("at most 1000 characters", field="description")

    async def execute() -> ClaimKept:
        now = clock.now()
        policy = await lock_policy(session, policy_id)
        if policy.holder_id != holder_id:
            raise NotFound("no such policy", field="policy_id")
        if ProductKind(policy.kind) not in FILED_BY_THE_INSURED:
            raise ClaimRefused(f"{policy.kind} claims open by themselves", field="policy_id")
        if policy.state not in (PolicyState.ACTIVE.value, PolicyState.EXPIRED.value):
            raise ClaimRefused(f"the policy is {policy.state}", field="policy_id")
        if loss.currency != policy.currency or loss.minor <= 0:
            raise InvalidInput(f"a positive amount in {policy.currency}", field="loss")
        terms = terms_of(await product_of(session, policy))
        check_claimable(
            starts_at=policy.starts_at,
            ends_at=policy.ends_at,
            waiting_days=terms.waiting_days,
            at=now,
        )
        claim = Claim(
            policy_id=policy.id,
            insurer_id=policy.insurer_id,
            claimant_id=holder_id,
            beneficiary_id=holder_id,
            currency=policy.currency,
            loss=loss.minor,
            state=ClaimState.OPEN.value,
            description=description,
            created_at=now,
            updated_at=now,
        )
        session.add(claim)
        await session.flush()
        await _tell(session, claim, "OPENED", now)
        audit(session, actor, "claim.file", at=now, target=claim, details={"loss": loss.minor})
        return ClaimKept(claim_id=claim.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="insurance.file_claim",
        request={"policy": str(policy_id), "loss": loss.minor, "currency": loss.currency},
        execute=execute,
        answer=ClaimKept,
    )
    return await lock_claim(session, answer.claim_id)


async def open_claim(
    session: AsyncSession,
    policy: Policy,
    *,
    trigger: str,
    loss: int,
    beneficiary_id: UUID | None,
    now: datetime,
) -> Claim | None:
    """The claim `trigger` opens on the locked policy; None if that trigger opened one
    already (a redelivered event, a second refund of the same shipment)."""
    inserted = await (await session.connection()).execute(
        insert(CLAIMS)
        .values(
            id=uuid4(),
            policy_id=policy.id,
            insurer_id=policy.insurer_id,
            claimant_id=policy.holder_id,
            beneficiary_id=beneficiary_id,
            trigger=trigger,
            currency=policy.currency,
            loss=loss,
            state=ClaimState.OPEN.value,
            reason="",
            description="",
            approved=0,
            paid=0,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(constraint="insurance_claim_one_per_trigger")
        .returning(CLAIMS.c.id)
    )
    claim_id = inserted.scalar()
    if claim_id is None:
        return None
    claim = await lock_claim(session, claim_id)
    await _tell(session, claim, "OPENED", now)
    return claim


async def settle_parametric(
    session: AsyncSession, claim: Claim, policy: Policy, *, payment_amount: int, now: datetime
) -> None:
    """Decide the return-shipping claim by the product's freight table and pay it (within
    the product's stated hours: at once, or by the retries when the insurer cannot pay)."""
    terms = terms_of(await product_of(session, policy))
    left = max(max_payout(terms.coverage, policy.insured) - policy.claimed, 0)
    amount = min(freight_payout(terms.freight_table, payment_amount), left)
    claim.loss = freight_payout(terms.freight_table, payment_amount)
    await decide_automatically(
        session, claim, policy, amount, why="parametric: the product's freight table", now=now
    )


async def decide_automatically(
    session: AsyncSession, claim: Claim, policy: Policy, amount: int, *, why: str, now: datetime
) -> None:
    """A parametric product's decision, with no insurer in the loop: approve `amount` and
    pay it within the product's stated hours (at once, or by the retries when the insurer
    cannot pay), or reject a claim with nothing left to pay."""
    terms = terms_of(await product_of(session, policy))
    claim.decision = Decision.APPROVE.value if amount else Decision.REJECT.value
    claim.reason = why if amount else "cover used up"
    claim.decided_at = now
    claim.pay_by = now + timedelta(hours=terms.payout_hours)
    if not amount:
        claim.state = claim_transition(ClaimState(claim.state), ClaimEvent.REJECT).value
        session.add(claim)
        await session.flush()
        await _tell(session, claim, "DECIDED", now)
        return
    await _approve(session, claim, policy, amount, now=now)


async def decide_claim(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    claim_id: UUID,
    decision: Decision,
    amount: Money | None,
    reason: str,
    idempotency_key: str,
) -> Claim:
    """The insurer's decision on its OPEN claim; an approval is paid at once when it can be."""
    insurer_id = require_insurer(actor)
    if len(reason) > 500:
        raise InvalidInput("at most 500 characters", field="reason")

    async def execute() -> ClaimKept:
        now = clock.now()
        claim = await lock_claim(session, claim_id)
        if claim.insurer_id != insurer_id:
            raise NotFound("no such claim", field="claim_id")
        if amount is not None and amount.currency != claim.currency:
            raise InvalidInput(f"the claim is in {claim.currency}", field="amount")
        policy = await lock_policy(session, claim.policy_id)
        if claim.state != ClaimState.OPEN.value:
            claim_transition(ClaimState(claim.state), ClaimEvent.APPROVE)  # refuses, says why
        most = await payable_on(session, claim, policy)
        approved = decided_amount(
            decision,
            payable_amount=most,
            amount=amount.minor if amount is not None else None,
            reason=reason,
        )
        if policy.kind == ProductKind.CREDIT.value:
            from domain.insurance.services import credit_claims  # see _payout_of

            await credit_claims.write_off_unapproved(session, claim, policy, most - approved, now)
        claim.decision, claim.reason = decision.value, reason.strip()
        claim.decided_by, claim.decided_at = insurer_id, now
        audit(
            session,
            actor,
            "claim.decide",
            at=now,
            target=claim,
            details={"decision": decision.value, "amount": approved},
        )
        if decision is Decision.REJECT:
            claim.state = claim_transition(ClaimState(claim.state), ClaimEvent.REJECT).value
            claim.updated_at = now
            session.add(claim)
            await session.flush()
            await _tell(session, claim, "DECIDED", now)
        else:
            await _approve(session, claim, policy, approved, now=now)
        return ClaimKept(claim_id=claim.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="insurance.decide_claim",
        request={
            "claim": str(claim_id),
            "decision": decision.value,
            "amount": amount.minor if amount is not None else None,
            "reason": reason,
        },
        execute=execute,
        answer=ClaimKept,
    )
    return await lock_claim(session, answer.claim_id)


async def retry_unpaid_claims(session: AsyncSession, *, now: datetime, limit: int = 100) -> int:
    """Try again to pay APPROVED_UNPAID claims, oldest first; how many were paid."""
    rows = await session.exec(
        select(Claim)
        .where(col(Claim.state) == ClaimState.APPROVED_UNPAID.value)
        .order_by(col(Claim.decided_at), col(Claim.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    paid = 0
    for claim in rows.all():
        policy = await lock_policy(session, claim.policy_id)
        await pay_claim(session, claim, policy, now=now)
        paid += claim.state == ClaimState.PAID.value
    return paid
