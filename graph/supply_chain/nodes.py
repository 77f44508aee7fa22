"""Receivables and certificates as nodes: each read by the use case of its own query."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.supply_chain.services import reads
from graph.nodes import one_by_one, register_node
from graph.supply_chain.types import Certificate, Receivable


async def _receivable(session: AsyncSession, actor: Actor, key: UUID) -> Receivable:
    return Receivable.of(await reads.receivable(session, actor, key))


async def _certificate(session: AsyncSession, actor: Actor, key: UUID) -> Certificate:
    return Certificate.of(await reads.certificate(session, actor, key))


register_node("Receivable", Receivable, one_by_one(_receivable))
register_node("Certificate", Certificate, one_by_one(_certificate))
