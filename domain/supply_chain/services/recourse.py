"""Recourse: in a programme with recourse, the financier of a certificate the core enterprise
has not paid `recourse_after_days` past due turns to the supplier that sold it. The seller's
wallet repays the face amount to the financier's funding account, the financier's credit
line to the buyer and its offer's capacity are given back, and the seller holds the claim
on the core enterprise again (RECOURSED: the late penalty keeps accruing to it, paid with the
amount at last). The platform's book, where an operator let it finance, takes recourse as a
bank does: an operator exercises it for the book.
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
from domain.supply_chain.services.offers import give_back
from domain.supply_chain.services.platform_book import is_platform
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
    """The financier is repaid the face amount by the supplier that sold it the certificate
    (an operator acts for the platform's book, as a bank does for itself)."""
    if not actor.is_operator:
        actor.require_participant()

    async def execute() -> RecourseTaken:
        now = clock.now()
        row = await lock_certificate(session, certificate_id)
        book = is_platform(row.holder_id) and actor.is_operator
        financier = row.holder_id if book else actor.participant_id
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
        # the line and capacity before the journal: early payment's lock order
        await give_back(
            session, offer_id=row.offer_id, buyer_id=row.buyer_id, amount=row.amount, now=now
        )
        await post_by_key(session, legs=[leg], now=now)
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
