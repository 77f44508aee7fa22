"""BNPL plans, banks' claims on them and credit decisions as nodes: each read by the use case
of its own query, in one batch per type."""

from __future__ import annotations

from uuid import UUID

from domain.consumer_credit.services import bank_claims, credit_decisions, repayments
from graph.consumer_credit.bnpl import BnplPlan, FundedPurchase
from graph.consumer_credit.credit_decisions import BnplCreditDecision
from graph.context import Info
from graph.nodes import in_key_order, register_node


async def _plans(info: Info, keys: list[UUID]) -> list[BnplPlan | None]:
    async with info.context.db() as session:
        found = await repayments.my_plans(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, found, lambda f: BnplPlan.of(*f), lambda f: f[0].id)


async def _funded(info: Info, keys: list[UUID]) -> list[FundedPurchase | None]:
    async with info.context.db() as session:
        found = await bank_claims.funded_purchases(
            session, actor=info.context.actor, limit=len(keys), ids=keys
        )
    return in_key_order(keys, found, lambda f: FundedPurchase.of(*f), lambda f: f[1].id)


async def _decisions(info: Info, keys: list[UUID]) -> list[BnplCreditDecision | None]:
    async with info.context.db() as session:
        rows = await credit_decisions.my_credit_decisions(
            session, actor=info.context.actor, limit=len(keys), ids=keys
        )
    return in_key_order(keys, rows, BnplCreditDecision.of)


register_node("BnplPlan", BnplPlan, _plans)
register_node("BnplFunding", FundedPurchase, _funded)
register_node("BnplCreditDecision", BnplCreditDecision, _decisions)
