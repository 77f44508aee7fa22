"""KYC: submit identity documents, decide on them, and reveal a number for a stated reason."""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, Forbidden, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock, today
from domain.errors import InvalidInput
from domain.events.services.outbox import emit
from domain.participants.automated_kyc import automated_refusal
from domain.participants.events import KycDecided
from domain.participants.identity_numbers import mask, normalise_document_number
from domain.participants.kyc import (
    DocumentType,
    KycDecision,
    KycStatus,
    level_for,
    next_status,
)
from domain.participants.ports import SecretVault
from domain.participants.tables import KycSubmission, Participant

MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 500


async def submit_kyc(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    vault: SecretVault,
    document_type: DocumentType,
    legal_name: str,
    document_number: str,
) -> KycSubmission:
    """A new submission: refused at once by the automated check, or pending an operator."""
    participant_id = actor.require_person()
    now = clock.now()
    number = normalise_document_number(document_type, document_number)
    name = " ".join(legal_name.split())
    if not 1 <= len(name) <= 120:
        raise InvalidInput("must be 1..120 characters", field="legal_name")
    participant = await session.get(Participant, participant_id, with_for_update=True)
    assert participant is not None
    status = next_status(KycStatus(participant.kyc_status), "submit")
    fingerprint = vault.fingerprint(f"{document_type.value}:{number}")
    refusal = automated_refusal(
        document_type,
        number,
        today=today(clock),
        used_by_another_verified=await _verified_elsewhere(session, fingerprint, participant_id),
    )
    submission = KycSubmission(
        participant_id=participant_id,
        document_type=document_type.value,
        legal_name=name,
        document_number_sealed=vault.seal(number),
        document_number_masked=mask(number),
        document_fingerprint=fingerprint,
        status=status.value,
        submitted_at=now,
    )
    session.add(submission)
    await session.flush()
    record(
        session,
        actor=actor,
        action="kyc.submit",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="KycSubmission",
        target_id=submission.id,
        details={"document_type": document_type.value},
    )
    if refusal is not None:
        _decide(participant, submission, KycDecision.REJECT, refusal, by=None, clock=clock)
        record(
            session,
            actor=Actor.system(actor.origin),
            action="kyc.decide",
            at=now,
            outcome=Outcome.SUCCESS,
            target_type="KycSubmission",
            target_id=submission.id,
            details={"decision": "REJECT", "reason": refusal, "automated": True},
        )
        await _announce(session, participant, submission, clock)
    else:
        participant.kyc_status = status.value
    return submission


async def _verified_elsewhere(
    session: AsyncSession, fingerprint: str, participant_id: UUID
) -> bool:
    query = select(func.count()).where(
        col(KycSubmission.document_fingerprint) == fingerprint,
        col(KycSubmission.status) == KycStatus.VERIFIED.value,
        col(KycSubmission.participant_id) != participant_id,
    )
    return bool((await session.exec(query)).one())


def _decide(
    participant: Participant,
    submission: KycSubmission,
    decision: KycDecision,
    reason: str | None,
    *,
    by: UUID | None,
    clock: Clock,
) -> None:
    status = next_status(KycStatus(submission.status), decision.value)
    submission.status = status.value
    submission.reason = reason
    submission.decided_by = by
    submission.decided_at = clock.now()
    participant.kyc_status = status.value
    if status is KycStatus.VERIFIED:
        level = level_for(DocumentType(submission.document_type))
        participant.kyc_level = max(participant.kyc_level, int(level))
    participant.updated_at = clock.now()


async def _announce(
    session: AsyncSession, participant: Participant, submission: KycSubmission, clock: Clock
) -> None:
    """kyc_decided to the participant (and to operators, who follow every event)."""
    await emit(
        session,
        KycDecided(
            submission_id=str(submission.id),
            participant_id=str(participant.id),
            status=submission.status,
            kyc_level=participant.kyc_level,
        ),
        aggregate_id=submission.id,
        audience=[participant.id],
        occurred_at=clock.now(),
    )


async def decide_kyc(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    submission_id: UUID,
    decision: KycDecision,
    reason: str | None,
) -> KycSubmission:
    """An operator verifies or rejects a pending submission; a rejection needs a reason."""
    actor.require_operator()
    if decision is KycDecision.REJECT and not (reason and reason.strip()):
        raise InvalidInput("a rejection needs a reason the participant can act on", field="reason")
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"must be at most {MAX_REASON_LENGTH} characters", field="reason")
    submission = await session.get(KycSubmission, submission_id, with_for_update=True)
    if submission is None:
        raise NotFound("no such KYC submission")
    if submission.participant_id == actor.participant_id:
        raise Forbidden("four eyes: another operator must decide on your own KYC")
    participant = await session.get(Participant, submission.participant_id, with_for_update=True)
    assert participant is not None
    _decide(participant, submission, decision, reason, by=actor.participant_id, clock=clock)
    await _announce(session, participant, submission, clock)
    record(
        session,
        actor=actor,
        action="kyc.decide",
        outcome=Outcome.SUCCESS,
        at=clock.now(),
        target_type="KycSubmission",
        target_id=submission.id,
        details={"decision": decision.value, "reason": reason, "level": participant.kyc_level},
    )
    return submission


async def get_submission(
    session: AsyncSession, *, actor: Actor, submission_id: UUID
) -> KycSubmission:
    """A submission for its owner (a person, not a key) or an operator; NotFound otherwise."""
    if not actor.is_operator:
        actor.require_person()
    submission = await session.get(KycSubmission, submission_id)
    if submission is None or not actor.may_see(submission.participant_id):
        raise NotFound("no such KYC submission")
    return submission


async def list_submissions(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    status: KycStatus | None = None,
    participant_id: UUID | None = None,
) -> list[KycSubmission]:
    """The operator's queue (any participant), or a participant's own submissions."""
    if not actor.is_operator:
        participant_id = actor.require_person()  # identity documents: never to an API key
    query = select(KycSubmission).order_by(col(KycSubmission.submitted_at).desc()).limit(limit)
    if participant_id is not None:
        query = query.where(col(KycSubmission.participant_id) == participant_id)
    if status is not None:
        query = query.where(col(KycSubmission.status) == status.value)
    return list((await session.exec(query)).all())


async def reveal_document_number(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    vault: SecretVault,
    submission_id: UUID,
    reason: str,
) -> str:
    """The full number, for an operator who states why; the reason is audited."""
    actor.require_operator()
    if not MIN_REASON_LENGTH <= len(reason.strip()) <= MAX_REASON_LENGTH:
        raise InvalidInput(
            f"state why in {MIN_REASON_LENGTH}..{MAX_REASON_LENGTH} characters", field="reason"
        )
    submission = await session.get(KycSubmission, submission_id)
    if submission is None:
        raise NotFound("no such KYC submission")
    record(
        session,
        actor=actor,
        action="pii.reveal",
        outcome=Outcome.SUCCESS,
        at=clock.now(),
        target_type="KycSubmission",
        target_id=submission.id,
        details={"reason": reason.strip()},
    )
    return vault.open(submission.document_number_sealed)
