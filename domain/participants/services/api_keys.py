"""API keys of machine clients: created, listed, rotated and revoked by their owner."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.participants.ports import IdentityServices
from domain.participants.roles import Role, Scope, grantable_scopes
from domain.participants.secrets import api_key_prefix, new_api_key, same_hash, sha256_hex
from domain.participants.tables import ApiKey, Participant

MAX_KEYS_PER_OWNER = 20
MAX_ROTATION_OVERLAP = timedelta(days=7)
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    record: ApiKey
    key: str  # shown once, never stored


async def create_api_key(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    name: str,
    scopes: frozenset[Scope],
    expires_at: datetime | None = None,
) -> NewApiKey:
    """A key for the caller's machine client, with scopes its roles allow."""
    owner_id = actor.require_person()
    now = clock.now()
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise InvalidInput("must be 1..80 characters", field="name")
    allowed = grantable_scopes(actor.roles)
    if not scopes:
        raise InvalidInput("choose at least one scope", field="scopes")
    if not scopes <= allowed:
        refused = ", ".join(sorted(s.value for s in scopes - allowed))
        raise InvalidInput(f"your roles do not allow {refused}", field="scopes")
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidInput(
            "must include a time zone, e.g. 2030-01-01T00:00:00Z", field="expires_at"
        )
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("must be in the future", field="expires_at")
    active = await _keys_of(session, owner_id, now)
    if len(active) >= MAX_KEYS_PER_OWNER:
        raise InvalidInput(f"at most {MAX_KEYS_PER_OWNER} active keys", field="name")
    created = _new_key(owner_id, name, scopes, now, expires_at)
    session.add(created.record)
    record(
        session,
        actor=actor,
        action="api_key.create",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="ApiKey",
        target_id=created.record.id,
        details={"name": name, "scopes": created.record.scopes},
    )
    return created


def _new_key(
    owner_id: UUID, name: str, scopes: frozenset[Scope], now: datetime, expires_at: datetime | None
) -> NewApiKey:
    prefix, key = new_api_key()
    row = ApiKey(
        owner_id=owner_id,
        name=name,
        prefix=prefix,
        secret_hash=sha256_hex(key),
        scopes=sorted(s.value for s in scopes),
        created_at=now,
        expires_at=expires_at,
    )
    return NewApiKey(row, key)


async def _keys_of(session: AsyncSession, owner_id: UUID, now: datetime) -> list[ApiKey]:
    query = (
        select(ApiKey)
        .where(col(ApiKey.owner_id) == owner_id, col(ApiKey.revoked_at).is_(None))
        .order_by(col(ApiKey.created_at))
    )
    keys = (await session.exec(query)).all()
    return [k for k in keys if k.expires_at is None or k.expires_at > now]


async def list_api_keys(session: AsyncSession, *, clock: Clock, actor: Actor) -> list[ApiKey]:
    """The caller's active keys (prefixes and scopes; never the secrets)."""
    return await _keys_of(session, actor.require_person(), clock.now())


async def get_api_key(session: AsyncSession, *, actor: Actor, key_id: UUID) -> ApiKey:
    """One of the caller's own keys (revoked ones too, for their history); NotFound otherwise."""
    owner_id = actor.require_person()
    key = await session.get(ApiKey, key_id)
    if key is None or key.owner_id != owner_id:
        raise NotFound("no such API key")
    return key


async def _owned_key(session: AsyncSession, actor: Actor, key_id: UUID) -> ApiKey:
    owner_id = actor.require_person()
    key = await session.get(ApiKey, key_id, with_for_update=True)
    if key is None or key.owner_id != owner_id or key.revoked_at is not None:
        raise NotFound("no such API key")
    return key


async def rotate_api_key(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    identity: IdentityServices,
    key_id: UUID,
    overlap: timedelta,
) -> NewApiKey:
    """A new key with the same name and scopes; the old one works `overlap` longer, then dies
    (at once without overlap: its open connections end too)."""
    if not timedelta(0) <= overlap <= MAX_ROTATION_OVERLAP:
        raise InvalidInput("must be within 0 seconds..7 days", field="overlap_seconds")
    old = await _owned_key(session, actor, key_id)
    now = clock.now()
    scopes = frozenset(Scope(s) for s in old.scopes)
    created = _new_key(old.owner_id, old.name, scopes, now, old.expires_at)
    created.record.replaces_id = old.id
    if overlap:
        old.expires_at = min(old.expires_at or now + overlap, now + overlap)
    else:
        old.revoked_at = now
        await identity.revocations.revoke_api_key(old.id)
    session.add(created.record)
    record(
        session,
        actor=actor,
        action="api_key.rotate",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="ApiKey",
        target_id=old.id,
        details={"new_key": str(created.record.id), "overlap_seconds": overlap.total_seconds()},
    )
    return created


async def revoke_api_key(
    *, session: AsyncSession, clock: Clock, actor: Actor, identity: IdentityServices, key_id: UUID
) -> ApiKey:
    """The key stops working: its requests get 401 and its open connections end."""
    key = await _owned_key(session, actor, key_id)
    key.revoked_at = clock.now()
    await identity.revocations.revoke_api_key(key.id)
    record(
        session,
        actor=actor,
        action="api_key.revoke",
        outcome=Outcome.SUCCESS,
        at=key.revoked_at,
        target_type="ApiKey",
        target_id=key.id,
    )
    return key


KEYS = ApiKey.__table__  # type: ignore[attr-defined]
PARTICIPANTS = Participant.__table__  # type: ignore[attr-defined]
# Only what authentication needs, in one statement: this runs on every machine request.
_LOOKUP = (
    sa_select(
        KEYS.c.id,
        KEYS.c.secret_hash,
        KEYS.c.scopes,
        KEYS.c.revoked_at,
        KEYS.c.expires_at,
        KEYS.c.last_used_at,
        PARTICIPANTS.c.id.label("owner_id"),
        PARTICIPANTS.c.roles,
    )
    .join(PARTICIPANTS, PARTICIPANTS.c.id == KEYS.c.owner_id)
    .where(KEYS.c.prefix == bindparam("prefix"))
)


async def authenticate_api_key(
    conn: AsyncConnection, *, clock: Clock, presented: str, origin: Actor
) -> Actor | None:
    """The machine client a presented key belongs to, or None if it is not a live key.
    Runs on a plain connection (autocommit is fine): one SELECT, and an UPDATE of
    last_used_at at most once a minute."""
    prefix = api_key_prefix(presented)
    if prefix is None:
        return None
    now = clock.now()
    key = (await conn.execute(_LOOKUP, {"prefix": prefix})).first()
    if key is None:
        return None
    live = key.revoked_at is None and (key.expires_at is None or key.expires_at > now)
    if not live or not same_hash(presented, key.secret_hash):
        return None
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        await conn.execute(update(KEYS).where(KEYS.c.id == key.id).values(last_used_at=now))
    return Actor(
        ActorKind.API_KEY,
        participant_id=key.owner_id,
        roles=frozenset(Role(r) for r in key.roles) - {Role.OPERATOR},
        scopes=frozenset(Scope(s) for s in key.scopes),
        api_key_id=key.id,
        origin=origin.origin,
    )


async def live_api_keys(
    conn: AsyncConnection, *, clock: Clock, key_ids: Collection[UUID]
) -> set[UUID]:
    """Those of `key_ids` that still work (not revoked, not expired): one SELECT, for the
    re-check of connections opened with keys."""
    if not key_ids:
        return set()
    now = clock.now()
    rows = await conn.execute(
        sa_select(KEYS.c.id, KEYS.c.revoked_at, KEYS.c.expires_at).where(
            KEYS.c.id.in_(list(key_ids))
        )
    )
    return {
        row.id
        for row in rows
        if row.revoked_at is None and (row.expires_at is None or row.expires_at > now)
    }
