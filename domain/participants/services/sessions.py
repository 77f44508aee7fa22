"""Signing in and out: passwords, rotating refresh tokens, lockout, password changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.participants.credentials import check_password, normalise_login
from domain.participants.errors import AccountLocked, InvalidCredentials, InvalidRefreshToken
from domain.participants.lockout import locked_until
from domain.participants.ports import IdentityServices, IssuedToken
from domain.participants.roles import Role
from domain.participants.secrets import new_refresh_token, sha256_hex
from domain.participants.tables import Participant, RefreshToken

REFRESH_TOKEN_LIFETIME = timedelta(days=30)
# Verified when the login names nobody, so that answer takes as long as a wrong password.
_TIMING_DECOY_PASSWORD = "decoy-password-for-unknown-logins"  # noqa: S105


@dataclass(frozen=True, slots=True)
class SignedIn:
    participant: Participant
    access: IssuedToken
    refresh_token: str
    refresh_expires_at: datetime


def person_actor(participant: Participant, session_id: UUID, origin: Actor) -> Actor:
    return Actor(
        ActorKind.PERSON,
        participant_id=participant.id,
        roles=frozenset(Role(r) for r in participant.roles),
        session_id=session_id,
        origin=origin.origin,
    )


async def _start_session(
    session: AsyncSession,
    identity: IdentityServices,
    participant: Participant,
    *,
    now: datetime,
    origin: Actor,
    family_id: UUID | None = None,
) -> SignedIn:
    """A new link of a refresh-token chain (a new chain without `family_id`) and an access token."""
    family = family_id or uuid4()
    token = new_refresh_token()
    expires = now + REFRESH_TOKEN_LIFETIME
    link = RefreshToken(
        family_id=family,
        participant_id=participant.id,
        token_hash=sha256_hex(token),
        issued_at=now,
        expires_at=expires,
    )
    session.add(link)
    access = identity.access_tokens.issue(person_actor(participant, family, origin), now=now)
    return SignedIn(participant, access, token, expires)


async def log_in(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    identity: IdentityServices,
    login: str,
    password: str,
) -> SignedIn:
    """Tokens for a correct password; failures count toward a lockout that doubles."""
    now = clock.now()
    try:
        kind, value = normalise_login(login)
    except InvalidInput:
        kind, value = "email", ""
    column = col(Participant.email) if kind == "email" else col(Participant.phone)
    participant = (
        await session.exec(select(Participant).where(column == value).with_for_update())
    ).first()
    if participant is None:
        await identity.hasher.verify(await _decoy_hash(identity), password)
        record(
            session,
            actor=actor,
            action="auth.login",
            outcome=Outcome.FAILURE,
            at=now,
            details={"reason": "unknown login"},
        )
        raise InvalidCredentials("wrong login or password")
    if participant.locked_until is not None and participant.locked_until > now:
        record(
            session,
            actor=actor,
            action="auth.login",
            outcome=Outcome.DENIED,
            at=now,
            target_type="Participant",
            target_id=participant.id,
            details={"reason": "locked"},
        )
        raise AccountLocked(participant.locked_until)
    if not await identity.hasher.verify(participant.password_hash, password):
        _count_failure(participant, now)
        record(
            session,
            actor=actor,
            action="auth.login",
            outcome=Outcome.FAILURE,
            at=now,
            target_type="Participant",
            target_id=participant.id,
            details={"reason": "wrong password", "failed_logins": participant.failed_logins},
        )
        raise InvalidCredentials("wrong login or password")
    participant.failed_logins = 0
    participant.locked_until = None
    if identity.hasher.needs_rehash(participant.password_hash):
        participant.password_hash = await identity.hasher.hash(password)
    signed_in = await _start_session(session, identity, participant, now=now, origin=actor)
    record(
        session,
        actor=actor,
        action="auth.login",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Participant",
        target_id=participant.id,
    )
    return signed_in


_decoy: dict[str, str] = {}


async def _decoy_hash(identity: IdentityServices) -> str:
    if "hash" not in _decoy:
        _decoy["hash"] = await identity.hasher.hash(_TIMING_DECOY_PASSWORD)
    return _decoy["hash"]


def _count_failure(participant: Participant, now: datetime) -> None:
    participant.failed_logins += 1
    participant.locked_until = locked_until(participant.failed_logins, now)


async def refresh_session(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    identity: IdentityServices,
    refresh_token: str,
) -> SignedIn:
    """Trade a refresh token for new tokens. A token used twice revokes its whole session:
    one of the two users is a thief, and we cannot tell which."""
    now = clock.now()
    current = (
        await session.exec(
            select(RefreshToken)
            .where(col(RefreshToken.token_hash) == sha256_hex(refresh_token))
            .with_for_update()
        )
    ).first()
    if current is None or current.revoked_at is not None or current.expires_at <= now:
        raise InvalidRefreshToken("sign in again")
    if current.rotated_at is not None:
        await revoke_family(session, identity, current.family_id, now=now, reason="reuse")
        record(
            session,
            actor=actor,
            action="auth.refresh_reuse",
            outcome=Outcome.DENIED,
            at=now,
            target_type="Participant",
            target_id=current.participant_id,
            details={"session": str(current.family_id)},
        )
        raise InvalidRefreshToken("this refresh token was already used: the session is revoked")
    participant = await session.get(Participant, current.participant_id)
    assert participant is not None
    current.rotated_at = now
    return await _start_session(
        session, identity, participant, now=now, origin=actor, family_id=current.family_id
    )


async def revoke_family(
    session: AsyncSession,
    identity: IdentityServices,
    family_id: UUID,
    *,
    now: datetime,
    reason: str,
) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    await identity.revocations.revoke_session(family_id)


async def log_out(
    *, session: AsyncSession, clock: Clock, actor: Actor, identity: IdentityServices
) -> None:
    """End the caller's session: its refresh tokens and access tokens stop working."""
    participant_id = actor.require_person()
    assert actor.session_id is not None
    now = clock.now()
    await revoke_family(session, identity, actor.session_id, now=now, reason="logout")
    record(
        session,
        actor=actor,
        action="auth.logout",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Participant",
        target_id=participant_id,
    )


async def change_password(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    identity: IdentityServices,
    current_password: str,
    new_password: str,
) -> SignedIn:
    """New password; every session (this one too) is revoked, and a fresh one begins here."""
    participant_id = actor.require_person()
    now = clock.now()
    check_password(new_password, field="new_password")
    participant = (
        await session.exec(
            select(Participant).where(col(Participant.id) == participant_id).with_for_update()
        )
    ).one()
    if not await identity.hasher.verify(participant.password_hash, current_password):
        _count_failure(participant, now)
        record(
            session,
            actor=actor,
            action="auth.change_password",
            outcome=Outcome.FAILURE,
            at=now,
            target_type="Participant",
            target_id=participant_id,
        )
        raise InvalidCredentials("the current password is wrong")
    participant.password_hash = await identity.hasher.hash(new_password)
    participant.updated_at = now
    live_sessions = (
        await session.exec(
            select(RefreshToken.family_id)
            .where(
                col(RefreshToken.participant_id) == participant_id,
                col(RefreshToken.revoked_at).is_(None),
                col(RefreshToken.expires_at) > now,
            )
            .distinct()
        )
    ).all()
    for family_id in live_sessions:
        await revoke_family(session, identity, family_id, now=now, reason="password_change")
    # Also by time, for tokens of sessions that ended some other way but are not expired yet.
    participant.sessions_revoked_before = now
    await identity.revocations.revoke_all_issued_before(participant_id, now)
    record(
        session,
        actor=actor,
        action="auth.change_password",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Participant",
        target_id=participant_id,
    )
    return await _start_session(session, identity, participant, now=now, origin=actor)
