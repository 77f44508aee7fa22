"""Reading your webhook endpoints and their delivery log."""

from __future__ import annotations

import strawberry

from domain.participants.roles import Scope
from domain.webhooks.deliveries import DeliveryStatus
from domain.webhooks.services import endpoints, log
from graph.context import Info
from graph.hardening.policy import page_size
from graph.pagination import Connection, connection, time_and_id
from graph.permissions import SIGNED_IN, allow
from graph.relay import optional_uuid_of
from graph.webhooks.types import WebhookDelivery, WebhookEndpoint


@strawberry.type
class WebhookQueries:
    @allow(SIGNED_IN, key=Scope.WEBHOOKS_READ)
    @strawberry.field(description="Your webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        async with info.context.db() as session:
            rows = await endpoints.list_endpoints(session, actor=info.context.actor)
        return [WebhookEndpoint.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.WEBHOOKS_READ)
    @strawberry.field(description="Your webhook deliveries, newest first, with every attempt.")
    async def webhook_deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        endpoint_id: strawberry.ID | None = None,
        status: DeliveryStatus | None = None,
    ) -> Connection[WebhookDelivery]:
        page = page_size(first, info.context.hardening)
        before = time_and_id(after)
        async with info.context.db() as session:
            rows = await log.list_deliveries(
                session,
                actor=info.context.actor,
                limit=page + 1,
                before=before,
                endpoint_id=optional_uuid_of(endpoint_id, "WebhookEndpoint"),
                status=status,
            )
        return connection(
            rows,
            page=page,
            key=lambda r: (r.delivery.created_at.isoformat(), r.delivery.id),
            node=WebhookDelivery.of,
        )
