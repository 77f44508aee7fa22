"""Registering, changing, rotating and deleting webhook endpoints; redelivering a message."""

from __future__ import annotations

from dataclasses import field
from datetime import timedelta

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.participants.roles import Scope
from domain.webhooks.services import endpoints, log
from graph.context import Info
from graph.errors import UserError
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import uuid_of
from graph.webhooks.types import WebhookDelivery, WebhookEndpoint

ONE_DAY = 24 * 3600


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_…), shown this once: store it now.",
    )
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="https://… (http only to loopback outside production).")
    event_types: list[EventType] = strawberry.field(
        default_factory=list, description="What to receive; empty: every type."
    )
    description: str = ""


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = None
    event_types: list[EventType] | None = None
    description: str | None = None
    enabled: bool | None = strawberry.field(
        default=None, description="false cancels what is still owed to the endpoint."
    )


@strawberry.type
class WebhookMutations:
    @allow(SIGNED_IN, key=Scope.WEBHOOKS_WRITE)
    @strawberry.mutation(description="Register a URL to receive your events, signed.")
    @in_unit_of_work
    async def create_webhook_endpoint(
        self, info: Info, session: AsyncSession, input: CreateWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        ctx = info.context
        created = await endpoints.create_endpoint(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            vault=ctx.identity.vault,
            url_policy=ctx.webhook_urls,
            url=input.url,
            event_types=input.event_types,
            description=input.description,
        )
        return WebhookEndpointPayload(
            endpoint=WebhookEndpoint.of(created.endpoint), secret=created.secret
        )

    @allow(SIGNED_IN, key=Scope.WEBHOOKS_WRITE)
    @strawberry.mutation(description="Change an endpoint's URL, event types, description or state.")
    @in_unit_of_work
    async def update_webhook_endpoint(
        self, info: Info, session: AsyncSession, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        ctx = info.context
        endpoint = await endpoints.update_endpoint(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            url_policy=ctx.webhook_urls,
            endpoint_id=uuid_of(input.id, "WebhookEndpoint"),
            url=input.url,
            event_types=input.event_types,
            description=input.description,
            enabled=input.enabled,
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(endpoint))

    @allow(SIGNED_IN, key=Scope.WEBHOOKS_WRITE)
    @strawberry.mutation(
        description="A new signing secret, shown once; the old one also signs for overlapSeconds."
    )
    @in_unit_of_work
    async def rotate_webhook_secret(
        self, info: Info, session: AsyncSession, id: strawberry.ID, overlap_seconds: int = ONE_DAY
    ) -> WebhookEndpointPayload:
        ctx = info.context
        rotated = await endpoints.rotate_secret(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            vault=ctx.identity.vault,
            endpoint_id=uuid_of(id, "WebhookEndpoint"),
            overlap=timedelta(seconds=overlap_seconds),
        )
        return WebhookEndpointPayload(
            endpoint=WebhookEndpoint.of(rotated.endpoint), secret=rotated.secret
        )

    @allow(SIGNED_IN, key=Scope.WEBHOOKS_WRITE)
    @strawberry.mutation(description="Delete an endpoint: nothing more is delivered to it.")
    @in_unit_of_work
    async def delete_webhook_endpoint(
        self, info: Info, session: AsyncSession, id: strawberry.ID
    ) -> DeleteWebhookEndpointPayload:
        ctx = info.context
        await endpoints.delete_endpoint(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            endpoint_id=uuid_of(id, "WebhookEndpoint"),
        )
        return DeleteWebhookEndpointPayload(deleted_id=id)

    @allow(SIGNED_IN, key=Scope.WEBHOOKS_WRITE)
    @strawberry.mutation(
        description="Send a delivery's message again now (same webhook-id and body)."
    )
    @in_unit_of_work
    async def redeliver_webhook(
        self, info: Info, session: AsyncSession, delivery_id: strawberry.ID
    ) -> WebhookDeliveryPayload:
        ctx = info.context
        copy = await log.redeliver(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            delivery_id=uuid_of(delivery_id, "WebhookDelivery"),
        )
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(copy))
