"""The shopper pushes an escrow's auto-release back: goods still on the way (Taobao's 延长收货).

Once per payment by default (EscrowTerms.max_extensions), by `extension_days` each time, and
only while the money is held and the release time has not come: after it the worker may
already have released it. The intent's row is locked, as for every change to a payment, so an
extension racing the worker's release sees it (and is refused) or is seen by it.
"""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.payments.errors import ExtensionLimitReached, PaymentStateError
from domain.payments.escrow import auto_release_at, can_extend
from domain.payments.services.intents import ESCROW_TERMS
from domain.payments.services.updates import (
    announce,
    intent_once,
    locked_shopper_intent,
    require_payment,
)
from domain.payments.states import PaymentState
from domain.payments.tables import PaymentIntent


async def extend_escrow(
    *, session: AsyncSession, clock: Clock, actor: Actor, payment_id: UUID, idempotency_key: str
) -> PaymentIntent:
    """Give yourself `extension_days` more before a shipped, held payment is released."""
    shopper_id = actor.require_person()
    await require_payment(session, payment_id, shopper_id=shopper_id)

    async def execute() -> PaymentIntent:
        now = clock.now()
        intent = await locked_shopper_intent(session, payment_id, shopper_id)
        extensions = intent.release_extensions
        if intent.shipped_at is not None and extensions >= ESCROW_TERMS.max_extensions:
            raise ExtensionLimitReached(
                f"the release may be pushed back {ESCROW_TERMS.max_extensions} time(s)",
                field="payment_id",
            )
        if not can_extend(
            state=PaymentState(intent.state),
            now=now,
            shipped_at=intent.shipped_at,
            terms=ESCROW_TERMS,
            extensions=extensions,
        ):
            raise PaymentStateError(
                "only a shipped payment still held in escrow is extended", field="payment_id"
            )
        assert intent.shipped_at is not None
        intent.release_extensions = extensions + 1
        intent.auto_release_at = auto_release_at(
            shipped_at=intent.shipped_at, terms=ESCROW_TERMS, extensions=extensions + 1
        )
        intent.updated_at = now
        session.add(intent)
        await announce(session, intent, now)
        record(
            session,
            actor=actor,
            action="payments.extend_escrow",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="PaymentIntent",
            target_id=intent.id,
            details={"auto_release_at": intent.auto_release_at.isoformat()},
        )
        return intent

    return await intent_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.extend",
        request={"payment": str(payment_id)},
        execute=execute,
    )
