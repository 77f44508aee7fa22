"""Sign-up, sessions, profile, KYC and API keys: each mutation one use case, one transaction."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime, timedelta

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.participants import credentials, kyc, roles
from domain.participants.roles import Role
from domain.participants.services import api_keys, registration, sessions
from domain.participants.services import kyc_submissions as kyc_service
from domain.participants.services.sessions import SignedIn
from domain.partners.services import referrals
from graph.context import Info
from graph.errors import UserError
from graph.participants.types import ApiKey, KycSubmission, Participant
from graph.payloads import in_unit_of_work
from graph.permissions import ANYONE, SIGNED_IN, allow
from graph.relay import uuid_of


@strawberry.type
class RegisterPayload:
    participant: Participant | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type(description="Tokens of a new session: send the access token as a Bearer token.")
class SessionPayload:
    access_token: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token: str | None = strawberry.field(
        default=None, description="Single use: trade it once for new tokens with refreshSession."
    )
    refresh_token_expires_at: datetime | None = None
    participant: Participant | None = None
    errors: list[UserError] = field(default_factory=list)

    @classmethod
    def of(cls, signed_in: SignedIn) -> SessionPayload:
        return cls(
            access_token=signed_in.access.token,
            access_token_expires_at=signed_in.access.expires_at,
            refresh_token=signed_in.refresh_token,
            refresh_token_expires_at=signed_in.refresh_expires_at,
            participant=Participant.of(signed_in.participant, is_caller=True),
        )


@strawberry.type
class ParticipantPayload:
    participant: Participant | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class LogOutPayload:
    ok: bool = False
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class KycSubmissionPayload:
    submission: KycSubmission | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The full key, shown this once: store it now."
    )
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class RevealPayload:
    document_number: str | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.input
class RegisterInput:
    kind: credentials.ParticipantKind
    display_name: str
    password: str
    roles: list[roles.Role]
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, e.g. +8613800138000.")
    referral_code: str | None = strawberry.field(
        default=None, description="A channel partner's code: kept, it shares in your fees."
    )


@strawberry.input
class LogInInput:
    login: str = strawberry.field(description="Email or phone number.")
    password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class SubmitKycInput:
    document_type: kyc.DocumentType
    legal_name: str
    document_number: str


@strawberry.input
class DecideKycInput:
    submission_id: strawberry.ID
    decision: kyc.KycDecision
    reason: str | None = None


@strawberry.input
class CreateApiKeyInput:
    name: str
    scopes: list[roles.Scope]
    expires_at: datetime | None = None


@strawberry.type
class ParticipantMutations:
    @allow(ANYONE)
    @strawberry.mutation(description="Sign up as a borrower, investor and/or merchant.")
    @in_unit_of_work
    async def register(
        self, info: Info, session: AsyncSession, input: RegisterInput
    ) -> RegisterPayload:
        ctx = info.context
        participant = await registration.register(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            hasher=ctx.identity.hasher,
            kind=input.kind,
            display_name=input.display_name,
            email=input.email,
            phone=input.phone,
            password=input.password,
            roles=frozenset(input.roles),
        )
        if input.referral_code:
            await referrals.record_referral(
                session,
                participant_id=participant.id,
                code=input.referral_code,
                now=ctx.clock.now(),
            )
        return RegisterPayload(participant=Participant.of(participant, is_caller=True))

    @allow(ANYONE)
    @strawberry.mutation(description="Sign in with a password: an access and a refresh token.")
    @in_unit_of_work
    async def log_in(self, info: Info, session: AsyncSession, input: LogInInput) -> SessionPayload:
        ctx = info.context
        await ctx.rate_limits.check_login(ip=ctx.actor.origin.ip, login=input.login)
        return SessionPayload.of(
            await sessions.log_in(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                identity=ctx.identity,
                login=input.login,
                password=input.password,
            )
        )

    @allow(ANYONE)
    @strawberry.mutation(description="Trade a refresh token for new tokens (it works once).")
    @in_unit_of_work
    async def refresh_session(
        self, info: Info, session: AsyncSession, refresh_token: str
    ) -> SessionPayload:
        ctx = info.context
        return SessionPayload.of(
            await sessions.refresh_session(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                identity=ctx.identity,
                refresh_token=refresh_token,
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="End this session: its tokens stop working at once.")
    @in_unit_of_work
    async def log_out(self, info: Info, session: AsyncSession) -> LogOutPayload:
        ctx = info.context
        await sessions.log_out(
            session=session, clock=ctx.clock, actor=ctx.actor, identity=ctx.identity
        )
        return LogOutPayload(ok=True)

    @allow(SIGNED_IN)
    @strawberry.mutation(description="New password; every other session ends.")
    @in_unit_of_work
    async def change_password(
        self, info: Info, session: AsyncSession, input: ChangePasswordInput
    ) -> SessionPayload:
        ctx = info.context
        return SessionPayload.of(
            await sessions.change_password(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                identity=ctx.identity,
                current_password=input.current_password,
                new_password=input.new_password,
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation
    @in_unit_of_work
    async def update_profile(
        self, info: Info, session: AsyncSession, display_name: str
    ) -> ParticipantPayload:
        ctx = info.context
        participant = await registration.update_profile(
            session=session, clock=ctx.clock, actor=ctx.actor, display_name=display_name
        )
        return ParticipantPayload(participant=Participant.of(participant))

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators grant roles that need due diligence.")
    @in_unit_of_work
    async def grant_role(
        self,
        info: Info,
        session: AsyncSession,
        participant_id: strawberry.ID,
        role: roles.Role,
    ) -> ParticipantPayload:
        ctx = info.context
        participant = await registration.grant_role(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            participant_id=uuid_of(participant_id, "Participant"),
            role=role,
        )
        return ParticipantPayload(participant=Participant.of(participant))

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Send identity documents (numbers only) for verification.")
    @in_unit_of_work
    async def submit_kyc(
        self, info: Info, session: AsyncSession, input: SubmitKycInput
    ) -> KycSubmissionPayload:
        ctx = info.context
        submission = await kyc_service.submit_kyc(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            vault=ctx.identity.vault,
            document_type=input.document_type,
            legal_name=input.legal_name,
            document_number=input.document_number,
        )
        return KycSubmissionPayload(submission=KycSubmission.of(submission))

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators verify or reject a pending KYC submission.")
    @in_unit_of_work
    async def decide_kyc(
        self, info: Info, session: AsyncSession, input: DecideKycInput
    ) -> KycSubmissionPayload:
        ctx = info.context
        submission = await kyc_service.decide_kyc(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            submission_id=uuid_of(input.submission_id, "KycSubmission"),
            decision=input.decision,
            reason=input.reason,
        )
        return KycSubmissionPayload(submission=KycSubmission.of(submission))

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators see a full document number, for a stated reason.")
    @in_unit_of_work
    async def reveal_document_number(
        self, info: Info, session: AsyncSession, submission_id: strawberry.ID, reason: str
    ) -> RevealPayload:
        ctx = info.context
        number = await kyc_service.reveal_document_number(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            vault=ctx.identity.vault,
            submission_id=uuid_of(submission_id, "KycSubmission"),
            reason=reason,
        )
        return RevealPayload(document_number=number)

    @allow(SIGNED_IN)
    @strawberry.mutation(description="A new API key for your machine client.")
    @in_unit_of_work
    async def create_api_key(
        self, info: Info, session: AsyncSession, input: CreateApiKeyInput
    ) -> ApiKeyPayload:
        ctx = info.context
        created = await api_keys.create_api_key(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            name=input.name,
            scopes=frozenset(input.scopes),
            expires_at=input.expires_at,
        )
        return ApiKeyPayload(api_key=ApiKey.of(created.record), secret=created.key)

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Replace a key: the new one is shown once; the old one lives overlapSeconds."
    )
    @in_unit_of_work
    async def rotate_api_key(
        self, info: Info, session: AsyncSession, id: strawberry.ID, overlap_seconds: int = 0
    ) -> ApiKeyPayload:
        ctx = info.context
        created = await api_keys.rotate_api_key(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            identity=ctx.identity,
            key_id=uuid_of(id, "ApiKey"),
            overlap=timedelta(seconds=overlap_seconds),
        )
        return ApiKeyPayload(api_key=ApiKey.of(created.record), secret=created.key)

    @allow(SIGNED_IN)
    @strawberry.mutation
    @in_unit_of_work
    async def revoke_api_key(
        self, info: Info, session: AsyncSession, id: strawberry.ID
    ) -> ApiKeyPayload:
        ctx = info.context
        key = await api_keys.revoke_api_key(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            identity=ctx.identity,
            key_id=uuid_of(id, "ApiKey"),
        )
        return ApiKeyPayload(api_key=ApiKey.of(key))
