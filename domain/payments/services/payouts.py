"""A payout's fate: posted when the bank pays it, given back and carried over when it refuses.

A payout is a hold on the merchant's wallet (domain/payments/services/settle_merchants.py). The
bank may answer at once or PENDING; the worker then asks the rail again about each pending
payout, one per transaction, claimed FOR UPDATE SKIP LOCKED, until it answers. A refused
payout voids its hold (the money is back in the wallet) and its amount is carried into the
merchant's next batch: added to the latest batch's carried_out, that row locked and checked
to still be the latest, as the settlement job locks it to read what is carried in; every
change records payments.payout_updated (and so a webhook) for the merchant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.ledger.services.holds import post_hold, void_hold
from domain.money import Money
from domain.payments.events import PayoutUpdated
from domain.payments.tables import Payout, SettlementBatchRow
from domain.unit_of_work import transaction
from domain.wallets.rails import PaymentRail, RailOutcome, RailResult

BATCHES = SettlementBatchRow.__table__  # type: ignore[attr-defined]


async def answer_payout(
    session: AsyncSession, payout: Payout, result: RailResult, *, now: datetime
) -> None:
    """Apply the bank's answer to the payout's hold; a pending answer changes nothing."""
    assert payout.hold_id is not None
    if result.outcome is RailOutcome.SUCCEEDED:
        await post_hold(session, hold_id=payout.hold_id, now=now)
        payout.state = "PAID"
    elif result.outcome is RailOutcome.FAILED:
        await void_hold(session, hold_id=payout.hold_id, now=now)
        await fail_payout(session, payout, result.failure_reason or "the bank refused the payout")
    payout.updated_at = now


async def fail_payout(session: AsyncSession, payout: Payout, reason: str) -> None:
    """The payout did not leave: its amount is carried into the merchant's next batch."""
    payout.state, payout.failure_reason = "FAILED", reason[:200]
    conn = await session.connection()
    latest = (
        select(BATCHES.c.id)
        .where(BATCHES.c.merchant_id == payout.merchant_id, BATCHES.c.currency == payout.currency)
        .order_by(BATCHES.c.settled_on.desc())
        .limit(1)
    )
    while True:  # a batch written while we waited for the lock is the one to carry into
        locked = (await conn.execute(latest.with_for_update())).scalar_one()
        if (await conn.execute(latest)).scalar_one() == locked:
            break
    await conn.execute(
        update(BATCHES)
        .where(BATCHES.c.id == locked)
        .values(carried_out=BATCHES.c.carried_out + payout.amount)
    )


def payout_updated_row(payout: Payout, now: datetime) -> dict[str, Any]:
    """The payments.payout_updated outbox row of the payout as it is now."""
    updated = PayoutUpdated(
        payout_id=str(payout.id),
        batch_id=str(payout.batch_id),
        state=payout.state,
        amount=payout.amount,
        currency=payout.currency,
        failure_reason=payout.failure_reason,
    )
    return payload_row(
        updated, aggregate_id=payout.id, audience=[payout.merchant_id], occurred_at=now
    )


async def record_payout_updated(session: AsyncSession, payout: Payout, now: datetime) -> None:
    await record_events(session, [payout_updated_row(payout, now)])


CLAIM_PENDING = text(
    """
    SELECT id FROM payout WHERE state = 'PENDING' AND id > :after
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
    """
)


async def resolve_pending_payouts(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    rail: PaymentRail,
    limit: int = 500,
) -> int:
    """Ask the rail about each pending payout; how many it has now paid or refused."""
    resolved, after = 0, UUID(int=0)
    for _ in range(limit):
        async with transaction(sessions) as session:
            found = (
                await (await session.connection()).execute(CLAIM_PENDING, {"after": after})
            ).scalar()
            if found is None:
                break
            after = found
            payout = await session.get(Payout, found)
            assert payout is not None
            result = await rail.payout_status(
                reference=str(payout.id), amount=Money(payout.amount, payout.currency)
            )
            if result.outcome is RailOutcome.PENDING:
                continue
            now = clock.now()
            await answer_payout(session, payout, result, now=now)
            session.add(payout)
            await session.flush()
            await record_payout_updated(session, payout, now)
            record(
                session,
                actor=Actor.system(),
                action="payments.payout_resolved",
                outcome=Outcome.SUCCESS,
                at=now,
                target_type="Payout",
                target_id=payout.id,
                details={"state": payout.state},
            )
            resolved += 1
    return resolved
