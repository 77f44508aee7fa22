"""Webhook endpoints and deliveries as nodes, read as their own queries read them."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.webhooks.services import endpoints, log
from graph.nodes import one_by_one, register_node
from graph.webhooks.types import WebhookDelivery, WebhookEndpoint


async def _endpoint(session: AsyncSession, actor: Actor, key: UUID) -> WebhookEndpoint:
    return WebhookEndpoint.of(await endpoints.get_endpoint(session, actor=actor, endpoint_id=key))


async def _delivery(session: AsyncSession, actor: Actor, key: UUID) -> WebhookDelivery:
    return WebhookDelivery.of(await log.get_logged_delivery(session, actor=actor, delivery_id=key))


register_node("WebhookEndpoint", WebhookEndpoint, one_by_one(_endpoint))
register_node("WebhookDelivery", WebhookDelivery, one_by_one(_delivery))
