"""What partner banks see of the BNPL purchases they fund: their claims, newest first."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.consumer_credit.tables import BnplFundingRow, BnplPlanRow
from domain.participants.roles import Role, Scope


async def funded_purchases(
    session: AsyncSession, *, actor: Actor, limit: int = 100, ids: Collection[UUID] | None = None
) -> list[tuple[BnplPlanRow, BnplFundingRow]]:
    """A partner bank's claims on BNPL plans, with their plans, newest first; only the
    claims of `ids` when given."""
    bank_id = actor.require_role(Role.PARTNER_BANK)
    actor.require_scope(Scope.OFFERS_READ)
    query = (
        select(BnplPlanRow, BnplFundingRow)
        .join(BnplFundingRow, col(BnplFundingRow.plan_id) == col(BnplPlanRow.id))
        .where(col(BnplFundingRow.funder_id) == bank_id)
    )
    if ids is not None:
        query = query.where(col(BnplFundingRow.id).in_(ids))
    rows = await session.exec(
        query.order_by(col(BnplFundingRow.created_at).desc(), col(BnplFundingRow.id)).limit(limit)
    )
    return list(rows.all())
