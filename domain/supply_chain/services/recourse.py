"""Recourse: in a programme with recourse, the financier of a certificate the core enterprise
has not paid `recourse_after_days` past due turns to the supplier that sold it. The seller's
wallet repays the face amount to the financier's funding account, the financier's credit
line to the buyer is given back, and the seller holds the claim on the core enterprise again
(RECOURSED: the late penalty keeps accruing to it, paid with the amount at last).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.supply_chain.errors import RecourseRefused
from domain.supply_chain.services.accounts import financier_key, wallet_key
from domain.supply_chain.services.offers import restore_credit_line
from domain.supply_chain.services.programmes import terms_of
from domain.supply_chain.services.updates import (
    audit,
    certificate_updated,
    lock_certificate,
    step_certificate,
)
from domain.supply_chain.states import CertificateEvent, CertificateState
from domain.supply_chain.tables import Certificate


@dataclass(frozen=True, slots=True)
class RecourseTaken(StoredAnswer):
    certificate_id: UUID


async def exercise_recourse(
    *, session: AsyncSession, clock: Clock, actor: Actor, certificate_id: UUID, idempotency_key: str
) -> Certificate:
    """The financier is repaid the face amount by the supplier that sold it the certificate."""
    financier = actor.require_participant()

    async def execute() -> RecourseTaken:
        now = clock.now()
        row = await lock_certificate(session, certificate_id)
        if row.holder_id != financier or row.offer_id is None or row.seller_id is None:
            raise NotFound("no such certificate", field="certificate_id")
        terms = await terms_of(session, row.buyer_id)
        if not terms.with_recourse:
            raise RecourseRefused("this programme is without recourse", field="certificate_id")
        if row.state != CertificateState.OVERDUE.value:
            raise RecourseRefused("only an overdue certificate", field="certificate_id")
        if row.days_past_due < terms.recourse_after_days:
            raise RecourseRefused(
                f"recourse opens {terms.recourse_after_days} days past due", field="certificate_id"
            )
        leg = KeyedLeg(
            wallet_key(row.seller_id, row.currency),
            financier_key(financier, row.currency),
            row.amount,
            "SCF_RECOURSE",
            {"certificate": str(row.id)},
        )
        await post_by_key(session, legs=[leg], now=now)
        await restore_credit_line(
            session, offer_id=row.offer_id, buyer_id=row.buyer_id, amount=row.amount
        )
        step_certificate(row, CertificateEvent.RECOURSE, now)
        row.holder_id, row.recoursed_at = row.seller_id, now
        session.add(row)
        await session.flush()
        await certificate_updated(session, row, "RECOURSED", now=now, audience=[financier])
        audit(
            session,
            actor,
            "certificate.recourse",
            at=now,
            target=row,
            details={"amount": row.amount},
        )
        return RecourseTaken(certificate_id=row.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="supply_chain.recourse",
        request={"certificate": str(certificate_id)},
        execute=execute,
        answer=RecourseTaken,
    )
    row = await session.get(Certificate, answer.certificate_id)
    assert row is not None
    return row
