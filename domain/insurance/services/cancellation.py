"""A holder cancels a policy: inside the cooling-off period the whole premium comes back
(the commission reversed), later the premium of the days unused (commission.py), in one
journal from the insurer's wallet and the commission stream. A policy with a claim, or one
that covers a loan's funders, is not the holder's to cancel. Expiry ends a policy at its term.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.commission import PremiumSplit, cancellation_refund, days_used
from domain.insurance.errors import PolicyStateConflict
from domain.insurance.products import ProductKind
from domain.insurance.services.accounts import commission_key, wallet_key
from domain.insurance.services.updates import (
    audit,
    lock_policy,
    policy_updated,
    product_of,
    terms_of,
)
from domain.insurance.states import PolicyEvent, PolicyState, policy_transition
from domain.insurance.tables import Claim, Policy
from domain.ledger.services.account_locks import KeyedLeg, post_by_key

REFUND = "INSURANCE_PREMIUM_REFUND"


@dataclass(frozen=True, slots=True)
class PolicyCancelled(StoredAnswer):
    policy_id: UUID


async def cancel_policy(
    *, session: AsyncSession, clock: Clock, actor: Actor, policy_id: UUID, idempotency_key: str
) -> Policy:
    """Cancel the caller's ACTIVE policy and refund what the rules give back."""
    holder_id = actor.require_participant()

    async def execute() -> PolicyCancelled:
        now = clock.now()
        policy = await lock_policy(session, policy_id)
        if policy.holder_id != holder_id:
            raise NotFound("no such policy", field="policy_id")
        if policy.kind == ProductKind.CREDIT.value:
            raise PolicyStateConflict(
                "credit cover protects the loan's funders until the loan ends", field="policy_id"
            )
        claimed = await session.exec(select(Claim.id).where(col(Claim.policy_id) == policy.id))
        if claimed.first() is not None:
            raise PolicyStateConflict(
                "a policy with a claim cannot be cancelled", field="policy_id"
            )
        policy.state = policy_transition(PolicyState(policy.state), PolicyEvent.CANCEL).value
        terms = terms_of(await product_of(session, policy))
        refund = cancellation_refund(
            PremiumSplit(policy.insurer_premium, policy.commission),
            term_days=terms.term_days,
            used_days=days_used(policy.starts_at, now),
            cooling_off_days=terms.cooling_off_days,
        )
        tag, currency = {"policy": str(policy.id)}, policy.currency
        holder = wallet_key(holder_id, currency)
        legs = [
            KeyedLeg(wallet_key(policy.insurer_id, currency), holder, refund.insurer, REFUND, tag),
            KeyedLeg(commission_key(currency), holder, refund.platform, REFUND, tag),
        ]
        legs = [leg for leg in legs if leg.amount]
        if legs:
            await post_by_key(session, legs=legs, now=now, journal_id=uuid4())
        policy.refunded_insurer, policy.refunded_commission = refund.insurer, refund.platform
        policy.cancelled_at = policy.updated_at = now
        session.add(policy)
        await session.flush()
        await policy_updated(session, policy, "CANCELLED", now=now)
        audit(
            session, actor, "policy.cancel", at=now, target=policy, details={"refund": refund.total}
        )
        return PolicyCancelled(policy_id=policy.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="insurance.cancel_policy",
        request={"policy": str(policy_id)},
        execute=execute,
        answer=PolicyCancelled,
    )
    return await lock_policy(session, answer.policy_id)


async def expire_policies(session: AsyncSession, *, now: datetime, limit: int = 200) -> int:
    """End ACTIVE policies whose term is over (any number of workers: SKIP LOCKED)."""
    due = await session.exec(
        select(Policy)
        .where(col(Policy.state) == PolicyState.ACTIVE.value, col(Policy.ends_at) <= now)
        .order_by(col(Policy.ends_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    count = 0
    for policy in due.all():
        policy.state = policy_transition(PolicyState(policy.state), PolicyEvent.EXPIRE).value
        policy.updated_at = now
        session.add(policy)
        await policy_updated(session, policy, "EXPIRED", now=now)
        count += 1
    await session.flush()
    return count
