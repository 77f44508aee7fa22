"""Participants, KYC submissions and API keys as nodes: each read by its own query's rule."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.participants.services import api_keys, registration
from domain.participants.services import kyc_submissions as kyc_service
from graph.nodes import one_by_one, register_node
from graph.participants.types import ApiKey, KycSubmission, Participant


async def _participant(session: AsyncSession, actor: Actor, key: UUID) -> Participant:
    return Participant.of(
        await registration.get_participant(session, actor=actor, participant_id=key)
    )


async def _submission(session: AsyncSession, actor: Actor, key: UUID) -> KycSubmission:
    return KycSubmission.of(
        await kyc_service.get_submission(session, actor=actor, submission_id=key)
    )


async def _api_key(session: AsyncSession, actor: Actor, key: UUID) -> ApiKey:
    return ApiKey.of(await api_keys.get_api_key(session, actor=actor, key_id=key))


register_node("Participant", Participant, one_by_one(_participant))
register_node("KycSubmission", KycSubmission, one_by_one(_submission))
register_node("ApiKey", ApiKey, one_by_one(_api_key))
