"""The delivery log an endpoint's owner reads, and manual redelivery from it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.participants.roles import Scope
from domain.services.keyset import newest_first
from domain.webhooks.deliveries import DeliveryStatus
from domain.webhooks.errors import EndpointDisabled
from domain.webhooks.services.endpoints import get_endpoint, owner_for
from domain.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True, slots=True)
class LoggedDelivery:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]  # oldest first


async def list_deliveries(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    before: tuple[datetime, UUID] | None = None,
    endpoint_id: UUID | None = None,
    status: DeliveryStatus | None = None,
) -> list[LoggedDelivery]:
    """The caller's deliveries, newest first, with their attempts (two queries a page)."""
    owner_id = owner_for(actor, Scope.WEBHOOKS_READ)
    query = (
        select(WebhookDelivery)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            col(WebhookDelivery.owner_id) == owner_id,
            col(WebhookEndpoint.deleted_at).is_(None),
        )
    )
    if endpoint_id is not None:
        query = query.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if status is not None:
        query = query.where(col(WebhookDelivery.status) == status.value)
    query = newest_first(
        query, col(WebhookDelivery.created_at), col(WebhookDelivery.id), after=before, limit=limit
    )
    deliveries = list((await session.exec(query)).all())
    return await _with_attempts(session, deliveries)


async def _with_attempts(
    session: AsyncSession, deliveries: list[WebhookDelivery]
) -> list[LoggedDelivery]:
    attempts: dict[UUID, list[WebhookAttempt]] = defaultdict(list)
    if deliveries:
        query = (
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_([d.id for d in deliveries]))
            .order_by(col(WebhookAttempt.id))
        )
        for attempt in (await session.exec(query)).all():
            attempts[attempt.delivery_id].append(attempt)
    return [LoggedDelivery(d, attempts[d.id]) for d in deliveries]


async def get_delivery(
    session: AsyncSession, *, actor: Actor, delivery_id: UUID, scope: Scope = Scope.WEBHOOKS_READ
) -> WebhookDelivery:
    """One of the caller's deliveries (of an endpoint not deleted); NotFound otherwise."""
    owner_id = owner_for(actor, scope)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.owner_id != owner_id:
        raise NotFound("no such webhook delivery")
    await get_endpoint(session, actor=actor, endpoint_id=delivery.endpoint_id, scope=scope)
    return delivery


async def get_logged_delivery(
    session: AsyncSession, *, actor: Actor, delivery_id: UUID
) -> LoggedDelivery:
    delivery = await get_delivery(session, actor=actor, delivery_id=delivery_id)
    [logged] = await _with_attempts(session, [delivery])
    return logged


async def redeliver(
    *, session: AsyncSession, clock: Clock, actor: Actor, delivery_id: UUID
) -> LoggedDelivery:
    """Send a delivery's message again, now, as a new delivery with its own retries; the
    receiver sees the same webhook-id and body, so it can tell a copy from news."""
    original = await get_delivery(
        session, actor=actor, delivery_id=delivery_id, scope=Scope.WEBHOOKS_WRITE
    )
    endpoint = await get_endpoint(
        session, actor=actor, endpoint_id=original.endpoint_id, scope=Scope.WEBHOOKS_WRITE
    )
    if not endpoint.enabled:
        raise EndpointDisabled("the endpoint is disabled: enable it first", field="id")
    root_id = original.redelivery_of or original.id
    # KEY SHARE on the first delivery: the log's pruning (which skips locked rows) cannot
    # delete it under the copy; if it already has, the delivery is gone.
    if await session.get(WebhookDelivery, root_id, with_for_update={"key_share": True}) is None:
        raise NotFound("no such webhook delivery")
    now = clock.now()
    copy = WebhookDelivery(
        endpoint_id=original.endpoint_id,
        owner_id=original.owner_id,
        event_id=original.event_id,
        event_position=original.event_position,
        event_type=original.event_type,
        message_id=original.message_id,
        body=original.body,
        status=DeliveryStatus.PENDING.value,
        next_attempt_at=now,
        created_at=now,
        redelivery_of=root_id,
    )
    session.add(copy)
    record(
        session,
        actor=actor,
        action="webhook_delivery.redeliver",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="WebhookDelivery",
        target_id=original.id,
        details={"copy": str(copy.id)},
    )
    return LoggedDelivery(copy, [])
