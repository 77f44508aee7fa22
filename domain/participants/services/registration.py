"""Signing up, reading and updating participants, and granting roles."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput, Violations
from domain.participants.credentials import (
    ParticipantKind,
    check_password,
    normalise_email,
    normalise_phone,
)
from domain.participants.errors import AlreadyRegistered
from domain.participants.ports import PasswordHasher
from domain.participants.roles import GRANTABLE_ROLES, SELF_SERVICE_ROLES, Role, Scope
from domain.participants.tables import Participant

MAX_NAME_LENGTH = 120


def _given(value: str | None) -> bool:
    return bool(value and value.strip())


def _self_service(roles: frozenset[Role]) -> None:
    if not roles:
        raise InvalidInput("choose at least one role", field="roles")
    if not roles <= SELF_SERVICE_ROLES:
        refused = ", ".join(sorted(r.value for r in roles - SELF_SERVICE_ROLES))
        raise InvalidInput(f"{refused} must be granted by the operator", field="roles")


def _display_name(name: str) -> str:
    value = " ".join(name.split())
    if not 1 <= len(value) <= MAX_NAME_LENGTH:
        raise InvalidInput(f"must be 1..{MAX_NAME_LENGTH} characters", field="display_name")
    return value


async def register(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    hasher: PasswordHasher,
    kind: ParticipantKind,
    display_name: str,
    email: str | None,
    phone: str | None,
    password: str,
    roles: frozenset[Role],
) -> Participant:
    """A new participant with self-service roles; every invalid field is reported at once."""
    violations = Violations()
    name = violations.check(_display_name, display_name)
    email_value = violations.check(normalise_email, email) if _given(email) else None
    phone_value = violations.check(normalise_phone, phone) if _given(phone) else None
    if not _given(email) and not _given(phone):
        violations.add("give an email or a phone number", field="email")
    violations.check(check_password, password)
    if actor.kind is not ActorKind.SYSTEM:  # the command line may create operators
        violations.check(_self_service, roles)
    violations.raise_if_any()
    assert name is not None

    await _refuse_taken(session, email_value, phone_value)
    now = clock.now()
    participant = Participant(
        kind=kind.value,
        display_name=name,
        email=email_value,
        phone=phone_value,
        password_hash=await hasher.hash(password),
        roles=sorted(role.value for role in roles),
        created_at=now,
        updated_at=now,
    )
    session.add(participant)
    try:
        await session.flush()
    except IntegrityError:  # a concurrent sign-up took the same email or phone
        raise AlreadyRegistered("this email or phone is already registered") from None
    record(
        session,
        actor=actor,
        action="participant.register",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Participant",
        target_id=participant.id,
        details={"roles": participant.roles, "kind": kind.value},
    )
    return participant


async def _refuse_taken(session: AsyncSession, email: str | None, phone: str | None) -> None:
    conditions = [col(Participant.email) == email] if email else []
    conditions += [col(Participant.phone) == phone] if phone else []
    taken = (
        await session.exec(select(func.count()).select_from(Participant).where(or_(*conditions)))
    ).one()
    if taken:
        raise AlreadyRegistered("this email or phone is already registered")


async def get_participant(
    session: AsyncSession, *, actor: Actor, participant_id: UUID
) -> Participant:
    """The participant if the caller may see it; NotFound otherwise (never a hint it exists).
    An API key needs the profile:read scope to read its owner's profile."""
    actor.require_scope(Scope.PROFILE_READ)
    participant = await session.get(Participant, participant_id)
    if participant is None or not actor.may_see(participant.id):
        raise NotFound("no such participant")
    return participant


async def list_participants(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
    role: Role | None = None,
    kyc_status: str | None = None,
) -> list[Participant]:
    """Oldest first, keyset-paginated on (created_at, id); operators only."""
    actor.require_operator()
    created, ident = col(Participant.created_at), col(Participant.id)
    query = select(Participant).order_by(created, ident).limit(limit)
    if after is not None:
        query = query.where((created > after[0]) | ((created == after[0]) & (ident > after[1])))
    if role is not None:
        query = query.where(col(Participant.roles).contains([role.value]))
    if kyc_status is not None:
        query = query.where(col(Participant.kyc_status) == kyc_status)
    return list((await session.exec(query)).all())


async def update_profile(
    *, session: AsyncSession, clock: Clock, actor: Actor, display_name: str
) -> Participant:
    participant_id = actor.require_person()  # a machine client's key never edits the profile
    name = _display_name(display_name)
    participant = await get_participant(session, actor=actor, participant_id=participant_id)
    participant.display_name = name
    participant.updated_at = clock.now()
    record(
        session,
        actor=actor,
        action="participant.update_profile",
        outcome=Outcome.SUCCESS,
        at=participant.updated_at,
        target_type="Participant",
        target_id=participant.id,
    )
    return participant


async def grant_role(
    *, session: AsyncSession, clock: Clock, actor: Actor, participant_id: UUID, role: Role
) -> Participant:
    """Operators grant the roles that need due diligence (bank, insurer, core enterprise)."""
    actor.require_operator()
    if role not in GRANTABLE_ROLES:
        raise InvalidInput("operators are made from the command line only", field="role")
    participant = await get_participant(session, actor=actor, participant_id=participant_id)
    if role.value not in participant.roles:
        participant.roles = sorted({*participant.roles, role.value})
        participant.updated_at = clock.now()
    record(
        session,
        actor=actor,
        action="participant.grant_role",
        outcome=Outcome.SUCCESS,
        at=clock.now(),
        target_type="Participant",
        target_id=participant.id,
        details={"role": role.value},
    )
    return participant
