"""Webhook endpoints, deliveries and attempts as their owner sees them (never a secret)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.events.catalog import EventType
from domain.webhooks import deliveries
from domain.webhooks.services.log import LoggedDelivery
from domain.webhooks.tables import WebhookAttempt as AttemptRow
from domain.webhooks.tables import WebhookEndpoint as EndpointRow
from graph.events import types as _event_types  # noqa: F401  # registers EventType in GraphQL
from graph.relay import Node, to_global_id

WebhookDeliveryStatus = strawberry.enum(deliveries.DeliveryStatus, name="WebhookDeliveryStatus")


@strawberry.type(description="A URL of yours that receives signed events (Standard Webhooks).")
class WebhookEndpoint(Node):
    row: strawberry.Private[EndpointRow]

    @strawberry.field
    def url(self) -> str:
        return self.row.url

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="The event types it receives; empty: every type.")
    def event_types(self) -> list[EventType]:
        return [EventType(value) for value in self.row.event_types]

    @strawberry.field
    def enabled(self) -> bool:
        return self.row.enabled

    @strawberry.field(description="Why it is disabled (by you, or after failing for days).")
    def disabled_reason(self) -> str | None:
        return self.row.disabled_reason

    @strawberry.field(description="Since when every delivery has failed; null if it answers.")
    def failing_since(self) -> datetime | None:
        return self.row.failing_since

    @strawberry.field
    def secret_rotated_at(self) -> datetime | None:
        return self.row.secret_rotated_at

    @strawberry.field(description="Until when deliveries are also signed with the old secret.")
    def previous_secret_expires_at(self) -> datetime | None:
        return self.row.previous_secret_expires_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @classmethod
    def of(cls, row: EndpointRow) -> WebhookEndpoint:
        return cls(id=to_global_id("WebhookEndpoint", row.id), row=row)


@strawberry.type(description="One POST of a delivery and how the endpoint answered.")
class WebhookAttempt:
    number: int
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_snippet: str = strawberry.field(description="The start of the answer's body.")
    succeeded: bool

    @classmethod
    def of(cls, row: AttemptRow) -> WebhookAttempt:
        return cls(
            number=row.number,
            attempted_at=row.attempted_at,
            duration_ms=row.duration_ms,
            status_code=row.status_code,
            error=row.error,
            response_snippet=row.response_snippet,
            succeeded=row.succeeded,
        )


@strawberry.type(description="One event owed to one endpoint, and every attempt to deliver it.")
class WebhookDelivery(Node):
    endpoint_id: strawberry.ID
    message_id: str = strawberry.field(description="The webhook-id header: the same on retries.")
    event_type: str = strawberry.field(description="As in the body's `type`: wallet.changed, ...")
    status: deliveries.DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None
    redelivery_of: strawberry.ID | None = strawberry.field(
        description="The delivery this one sends again (manual redelivery)."
    )
    body: str = strawberry.field(description="The JSON body exactly as signed and sent.")
    attempts: list[WebhookAttempt]

    @classmethod
    def of(cls, logged: LoggedDelivery) -> WebhookDelivery:
        row = logged.delivery
        return cls(
            id=to_global_id("WebhookDelivery", row.id),
            endpoint_id=to_global_id("WebhookEndpoint", row.endpoint_id),
            message_id=row.message_id,
            event_type=row.event_type,
            status=deliveries.DeliveryStatus(row.status),
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            completed_at=row.completed_at,
            redelivery_of=(
                to_global_id("WebhookDelivery", row.redelivery_of) if row.redelivery_of else None
            ),
            body=row.body,
            attempts=[WebhookAttempt.of(a) for a in logged.attempts],
        )
