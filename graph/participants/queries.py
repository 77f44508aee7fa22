"""Reading participants, KYC submissions and API keys."""

from __future__ import annotations

import strawberry

from domain.errors import DomainError
from domain.participants import kyc, roles
from domain.participants.roles import Role, Scope
from domain.participants.services import api_keys, registration
from domain.participants.services import kyc_submissions as kyc_service
from graph.context import Info
from graph.hardening.policy import page_size
from graph.pagination import Connection, connection, time_and_id
from graph.participants.types import ApiKey, KycSubmission, Participant
from graph.permissions import ANYONE, SIGNED_IN, allow
from graph.relay import uuid_of


@strawberry.type
class ParticipantQueries:
    @allow(ANYONE, key=Scope.PROFILE_READ)
    @strawberry.field(description="The signed-in participant (null when anonymous).")
    async def me(self, info: Info) -> Participant | None:
        participant_id = info.context.actor.participant_id
        if participant_id is None:
            return None
        async with info.context.db() as session:
            return Participant.of(
                await registration.get_participant(
                    session, actor=info.context.actor, participant_id=participant_id
                )
            )

    @allow(SIGNED_IN, key=Scope.PROFILE_READ, looks_missing=True)
    @strawberry.field(description="A participant: yourself, or anyone for the operator.")
    async def participant(self, info: Info, id: strawberry.ID) -> Participant | None:
        try:
            key = uuid_of(id, "Participant")
            async with info.context.db() as session:
                row = await registration.get_participant(
                    session, actor=info.context.actor, participant_id=key
                )
        except DomainError:
            return None
        return Participant.of(row)

    @allow(Role.OPERATOR)
    @strawberry.field(description="Every participant, oldest first. Operators only.")
    async def participants(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        role: roles.Role | None = None,
        kyc_status: kyc.KycStatus | None = None,
    ) -> Connection[Participant]:
        page = page_size(first, info.context.hardening)
        cursor = time_and_id(after)
        async with info.context.db() as session:
            rows = await registration.list_participants(
                session,
                actor=info.context.actor,
                limit=page + 1,
                after=cursor,
                role=role,
                kyc_status=kyc_status.value if kyc_status else None,
            )
        return connection(
            rows, page=page, key=lambda r: (r.created_at.isoformat(), r.id), node=Participant.of
        )

    @allow(SIGNED_IN)
    @strawberry.field(description="Your KYC submissions; the operator's review queue for them.")
    async def kyc_submissions(
        self,
        info: Info,
        first: int | None = None,
        status: kyc.KycStatus | None = None,
    ) -> list[KycSubmission]:
        async with info.context.db() as session:
            rows = await kyc_service.list_submissions(
                session,
                actor=info.context.actor,
                limit=page_size(first, info.context.hardening),
                status=status,
            )
        return [KycSubmission.of(row) for row in rows]

    @allow(SIGNED_IN)
    @strawberry.field(description="Your machine client's active API keys.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        async with info.context.db() as session:
            rows = await api_keys.list_api_keys(
                session, clock=info.context.clock, actor=info.context.actor
            )
        return [ApiKey.of(row) for row in rows]
