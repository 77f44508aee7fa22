"""Products, policies and claims as nodes: each read by the use case of its own query."""

from __future__ import annotations

from uuid import UUID

from domain.insurance.services import reads
from graph.context import Info
from graph.insurance.types import Claim, InsuranceProduct, Policy
from graph.nodes import in_key_order, register_node


async def _products(info: Info, keys: list[UUID]) -> list[InsuranceProduct | None]:
    async with info.context.db() as session:
        rows = await reads.products_by_id(session, keys)
    return in_key_order(keys, rows, InsuranceProduct.of)


async def _policies(info: Info, keys: list[UUID]) -> list[Policy | None]:
    async with info.context.db() as session:
        rows = await reads.policies_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, Policy.of)


async def _claims(info: Info, keys: list[UUID]) -> list[Claim | None]:
    async with info.context.db() as session:
        rows = await reads.claims_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, Claim.of)


register_node("InsuranceProduct", InsuranceProduct, _products)
register_node("Policy", Policy, _policies)
register_node("Claim", Claim, _claims)
