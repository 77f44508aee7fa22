"""Webhook endpoints: registered, changed, rotated and deleted by the participant they serve.

Only their owner sees or touches an endpoint (the operator neither: its secrets and URLs are
the owner's business); anyone else's looks missing. API keys need the webhooks scopes, and
may point an endpoint only at event types they may receive (domain/events/scopes.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, Forbidden, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.events.catalog import EventType
from domain.events.scopes import receivable_types, require_receivable
from domain.participants.ports import SecretVault
from domain.participants.roles import Scope
from domain.webhooks.deliveries import DeliveryStatus
from domain.webhooks.signature import new_secret
from domain.webhooks.tables import WebhookDelivery, WebhookEndpoint
from domain.webhooks.urls import EndpointUrlPolicy, check_endpoint_url

MAX_ENDPOINTS_PER_OWNER = 20
MAX_DESCRIPTION_LENGTH = 200
DEFAULT_ROTATION_OVERLAP = timedelta(hours=24)
MAX_ROTATION_OVERLAP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once, on creation or rotation; stored only sealed


def owner_for(actor: Actor, scope: Scope) -> UUID:
    """The caller, who owns what it manages; API keys need `scope`."""
    owner_id = actor.require_participant()
    actor.require_scope(scope)
    return owner_id


def _description(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"must be at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return text


def _types(event_types: Iterable[EventType]) -> list[str]:
    return sorted({event_type.value for event_type in event_types})


def _receivable(actor: Actor, event_types: Iterable[EventType]) -> list[str]:
    """`event_types` as stored (none: every type). An API key may name only types it may
    receive, and its "every type" is every type it may receive."""
    wanted = set(event_types)
    if wanted:
        require_receivable(actor, wanted)
        return _types(wanted)
    allowed = receivable_types(actor)
    if not allowed:
        raise Forbidden("this API key lacks the read scope of every event type")
    return [] if allowed == frozenset(EventType) else _types(allowed)


def _stored_types(endpoint: WebhookEndpoint) -> set[EventType]:
    return {EventType(value) for value in endpoint.event_types} or set(EventType)


async def create_endpoint(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    vault: SecretVault,
    url_policy: EndpointUrlPolicy,
    url: str,
    event_types: Iterable[EventType] = (),
    description: str = "",
) -> EndpointWithSecret:
    """A new, enabled endpoint for the caller's events (of `event_types`; none: every type)."""
    owner_id = owner_for(actor, Scope.WEBHOOKS_WRITE)
    now = clock.now()
    endpoint = WebhookEndpoint(
        owner_id=owner_id,
        url=check_endpoint_url(url, url_policy),
        description=_description(description),
        event_types=_receivable(actor, event_types),
        secret_sealed=b"",
        created_at=now,
        updated_at=now,
    )
    if await _count_endpoints(session, owner_id) >= MAX_ENDPOINTS_PER_OWNER:
        raise InvalidInput(f"at most {MAX_ENDPOINTS_PER_OWNER} endpoints", field="url")
    secret = new_secret()
    endpoint.secret_sealed = vault.seal(secret)
    session.add(endpoint)
    record(
        session,
        actor=actor,
        action="webhook_endpoint.create",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="WebhookEndpoint",
        target_id=endpoint.id,
        details={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    return EndpointWithSecret(endpoint, secret)


async def _count_endpoints(session: AsyncSession, owner_id: UUID) -> int:
    query = select(func.count()).where(
        col(WebhookEndpoint.owner_id) == owner_id, col(WebhookEndpoint.deleted_at).is_(None)
    )
    return int((await session.exec(query)).one())


async def list_endpoints(session: AsyncSession, *, actor: Actor) -> list[WebhookEndpoint]:
    """The caller's endpoints, oldest first."""
    owner_id = owner_for(actor, Scope.WEBHOOKS_READ)
    query = (
        select(WebhookEndpoint)
        .where(col(WebhookEndpoint.owner_id) == owner_id, col(WebhookEndpoint.deleted_at).is_(None))
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    )
    return list((await session.exec(query)).all())


async def get_endpoint(
    session: AsyncSession,
    *,
    actor: Actor,
    endpoint_id: UUID,
    scope: Scope = Scope.WEBHOOKS_READ,
    for_update: bool = False,
) -> WebhookEndpoint:
    """One of the caller's endpoints; NotFound for anyone else's, exactly as for none."""
    owner_id = owner_for(actor, scope)
    endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=for_update)
    if endpoint is None or endpoint.owner_id != owner_id or endpoint.deleted_at is not None:
        raise NotFound("no such webhook endpoint")
    return endpoint


async def _owned_for_change(
    session: AsyncSession, actor: Actor, endpoint_id: UUID
) -> WebhookEndpoint:
    return await get_endpoint(
        session, actor=actor, endpoint_id=endpoint_id, scope=Scope.WEBHOOKS_WRITE, for_update=True
    )


async def update_endpoint(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    url_policy: EndpointUrlPolicy,
    endpoint_id: UUID,
    url: str | None = None,
    event_types: Iterable[EventType] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; disabling cancels the deliveries still owed to the endpoint."""
    endpoint = await _owned_for_change(session, actor, endpoint_id)
    now = clock.now()
    if url is not None:
        endpoint.url = check_endpoint_url(url, url_policy)
    if event_types is not None:
        endpoint.event_types = _receivable(actor, event_types)
    elif url is not None:  # where the endpoint's events go: a key must be allowed them all
        require_receivable(actor, _stored_types(endpoint))
    if description is not None:
        endpoint.description = _description(description)
    if enabled is True and not endpoint.enabled:
        endpoint.enabled, endpoint.failing_since, endpoint.disabled_reason = True, None, None
    elif enabled is False and endpoint.enabled:
        await disable_endpoint(session, endpoint, now=now, reason="disabled by its owner")
    endpoint.updated_at = now
    record(
        session,
        actor=actor,
        action="webhook_endpoint.update",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="WebhookEndpoint",
        target_id=endpoint.id,
        details={
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "enabled": endpoint.enabled,
        },
    )
    return endpoint


async def rotate_secret(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    vault: SecretVault,
    endpoint_id: UUID,
    overlap: timedelta = DEFAULT_ROTATION_OVERLAP,
) -> EndpointWithSecret:
    """A new secret, shown once; deliveries are signed with the old one too for `overlap`."""
    if not timedelta(0) <= overlap <= MAX_ROTATION_OVERLAP:
        raise InvalidInput("must be within 0 seconds..7 days", field="overlap_seconds")
    endpoint = await _owned_for_change(session, actor, endpoint_id)
    now = clock.now()
    secret = new_secret()
    if overlap:
        endpoint.previous_secret_sealed = endpoint.secret_sealed
        endpoint.previous_secret_expires_at = now + overlap
    else:
        endpoint.previous_secret_sealed = endpoint.previous_secret_expires_at = None
    endpoint.secret_sealed = vault.seal(secret)
    endpoint.secret_rotated_at = endpoint.updated_at = now
    record(
        session,
        actor=actor,
        action="webhook_endpoint.rotate_secret",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="WebhookEndpoint",
        target_id=endpoint.id,
        details={"overlap_seconds": overlap.total_seconds()},
    )
    return EndpointWithSecret(endpoint, secret)


async def delete_endpoint(
    *, session: AsyncSession, clock: Clock, actor: Actor, endpoint_id: UUID
) -> WebhookEndpoint:
    """Gone for its owner (the delivery log goes with it); nothing more is delivered."""
    endpoint = await _owned_for_change(session, actor, endpoint_id)
    now = clock.now()
    await disable_endpoint(session, endpoint, now=now, reason="deleted")
    endpoint.deleted_at = endpoint.updated_at = now
    record(
        session,
        actor=actor,
        action="webhook_endpoint.delete",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="WebhookEndpoint",
        target_id=endpoint.id,
    )
    return endpoint


DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]


async def disable_endpoint(
    session: AsyncSession, endpoint: WebhookEndpoint, *, now: datetime, reason: str
) -> int:
    """Switch the endpoint off and cancel what it is still owed; how many were cancelled."""
    endpoint.enabled, endpoint.disabled_reason, endpoint.updated_at = False, reason, now
    cancelled = await (await session.connection()).execute(
        update(DELIVERIES)
        .where(
            DELIVERIES.c.endpoint_id == endpoint.id,
            DELIVERIES.c.status == DeliveryStatus.PENDING.value,
        )
        .values(
            status=DeliveryStatus.CANCELLED.value,
            next_attempt_at=None,
            claim_token=None,
            completed_at=now,
            last_error=f"endpoint {reason}"[:200],
        )
    )
    return int(cancelled.rowcount)
