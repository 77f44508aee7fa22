"""Operators decide the applications the fraud rules referred: approved, the borrower gets
the offer the engine priced; declined, the reviewer's reason."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.lending.errors import ApplicationNotInReview, ApplicationRefused
from domain.lending.states import ApplicationStatus
from domain.lending.tables import LoanApplication

MAX_REASON_LENGTH = 500
# After this the engine's price and the facts it read are stale: a referral that waited
# longer may only be declined, and the borrower applies again for a fresh decision.
REVIEW_VALIDITY = timedelta(days=14)


def _reason(reason: str) -> str:
    stated = reason.strip()
    if not stated:
        raise InvalidInput("say why: the borrower reads it", field="reason")
    if len(stated) > MAX_REASON_LENGTH:
        raise InvalidInput(f"must be at most {MAX_REASON_LENGTH} characters", field="reason")
    return stated


async def decide_loan_review(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    application_id: UUID,
    approve: bool,
    reason: str,
) -> LoanApplication:
    """Approve (the engine's offer stands, open for acceptance from now) or decline a referred
    application, recording who decided, when and why."""
    actor.require_operator()
    stated = _reason(reason)
    application = await session.get(LoanApplication, application_id, with_for_update=True)
    if application is None:
        raise NotFound("no such application", field="application_id")
    if application.status != ApplicationStatus.REVIEW.value:
        raise ApplicationNotInReview(
            f"the application is {application.status}: only one in REVIEW awaits a decision",
            field="application_id",
        )
    # Referral comes after pricing (and the offer_priced constraint holds it): the offer is
    # the engine's grade and rate as they stand.
    assert application.annual_rate is not None
    now = clock.now()
    if approve and now - application.created_at > REVIEW_VALIDITY:
        raise ApplicationRefused(
            f"the referral waited over {REVIEW_VALIDITY.days} days and its price is stale: "
            "decline it, and the borrower applies again",
            field="application_id",
        )
    outcome = ApplicationStatus.APPROVED if approve else ApplicationStatus.DECLINED
    application.status = outcome.value
    application.reviewed_by = actor.participant_id
    application.reviewed_at = now
    application.review_reason = stated
    record(
        session,
        actor=actor,
        action="lending.review",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="LoanApplication",
        target_id=application.id,
        details={
            "status": outcome.value,
            "reason": stated,
            "fraud_reasons": [r["code"] for r in application.fraud_reasons],
        },
    )
    return application
