"""Payments, refunds, disputes, split rules, settlement and payouts as nodes: each read
by the use case of its own query, in one batch per type."""

from __future__ import annotations

from uuid import UUID

from domain.payments.services import disputes, intents, reports
from domain.revenue.services import split_rules
from graph.context import Info
from graph.nodes import in_key_order, register_node
from graph.payments.queries import disputes_view
from graph.payments.settlement import Payout, SettlementBatch
from graph.payments.types import Dispute, PaymentIntent, PaymentRefund, SplitRule


async def _payments(info: Info, keys: list[UUID]) -> list[PaymentIntent | None]:
    async with info.context.db() as session:
        rows = await intents.payments_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, PaymentIntent.of)


async def _refunds(info: Info, keys: list[UUID]) -> list[PaymentRefund | None]:
    async with info.context.db() as session:
        rows = await intents.refunds_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, PaymentRefund.of)


async def _disputes(info: Info, keys: list[UUID]) -> list[Dispute | None]:
    async with info.context.db() as session:
        rows = await disputes.payment_disputes(
            session, actor=info.context.actor, open_only=False, ids=keys
        )
        views = await disputes_view(session, rows)
    return in_key_order(keys, zip(rows, views, strict=True), lambda rv: rv[1], lambda rv: rv[0].id)


async def _split_rules(info: Info, keys: list[UUID]) -> list[SplitRule | None]:
    async with info.context.db() as session:
        rows = await split_rules.list_split_rules(session, actor=info.context.actor)
    return in_key_order(keys, rows, SplitRule.of)


async def _batches(info: Info, keys: list[UUID]) -> list[SettlementBatch | None]:
    async with info.context.db() as session:
        rows = await reports.merchant_batches(
            session, actor=info.context.actor, limit=len(keys), ids=keys
        )
    return in_key_order(keys, rows, SettlementBatch.of)


async def _payouts(info: Info, keys: list[UUID]) -> list[Payout | None]:
    async with info.context.db() as session:
        rows = await reports.merchant_payouts(
            session, actor=info.context.actor, limit=len(keys), ids=keys
        )
    return in_key_order(keys, rows, Payout.of)


register_node("PaymentIntent", PaymentIntent, _payments)
register_node("PaymentRefund", PaymentRefund, _refunds)
register_node("Dispute", Dispute, _disputes)
register_node("SplitRule", SplitRule, _split_rules)
register_node("SettlementBatch", SettlementBatch, _batches)
register_node("Payout", Payout, _payouts)
