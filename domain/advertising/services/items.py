"""Whose an item is, and whether browsing lists show it now: only an item its owner may
promote and a list would show anyway can be promoted (promotion never shows what a list
would hide)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.advertising.items import ItemKind

# Each kind: its owner column and what "shown in its browsing list" means.
_OWNER = {
    ItemKind.LOAN: "SELECT borrower_id FROM loan WHERE id = :id AND state = 'LISTED'",
    ItemKind.CAMPAIGN: (
        "SELECT creator_id FROM crowdfunding_campaign WHERE id = :id AND state = 'LIVE'"
    ),
    ItemKind.FUND: "SELECT manager_id FROM wealth_fund WHERE id = :id AND state = 'OPEN'",
    ItemKind.INSURANCE_PRODUCT: (
        "SELECT insurer_id FROM insurance_product"
        " WHERE id = :id AND on_sale AND superseded_at IS NULL"
    ),
}


async def promotable_owner(session: AsyncSession, kind: ItemKind, item_id: UUID) -> UUID | None:
    """The owner of the item, if browsing lists show it now; None otherwise."""
    found = await (await session.connection()).execute(text(_OWNER[kind]), {"id": item_id})
    owner = found.scalar()
    return owner if isinstance(owner, UUID) else None
