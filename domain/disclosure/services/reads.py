"""Reading the published disclosure: the live figures, or a month's frozen snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.disclosure.services.compute import month_of
from domain.disclosure.tables import DisclosureLive, DisclosureSnapshot
from domain.money import currency_of

LIVE = DisclosureLive.__table__  # type: ignore[attr-defined]
SNAPSHOTS = DisclosureSnapshot.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PublishedDisclosure:
    currency: str
    month: date | None  # None: the live figures
    computed_at: datetime
    document: str  # the canonical text the hash covers
    content_hash: str

    @property
    def figures(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.document)
        return parsed


def _published(row: Any, month: date | None) -> PublishedDisclosure:
    return PublishedDisclosure(row.currency, month, row.computed_at, row.document, row.content_hash)


async def read_disclosure(
    session: AsyncSession, *, currency: str, as_of: date | None, today: date
) -> PublishedDisclosure | None:
    """The live figures when `as_of` is absent or in this month; else the snapshot of
    `as_of`'s month (or the latest month before it that has one); None if there is none."""
    code = currency_of(currency).code
    conn = await session.connection()
    if as_of is None or month_of(as_of) >= month_of(today):
        live = (await conn.execute(select(LIVE).where(LIVE.c.currency == code))).first()
        return None if live is None else _published(live, None)
    snapshot = (
        await conn.execute(
            select(SNAPSHOTS)
            .where(SNAPSHOTS.c.currency == code, SNAPSHOTS.c.month <= month_of(as_of))
            .order_by(SNAPSHOTS.c.month.desc())
            .limit(1)
        )
    ).first()
    return None if snapshot is None else _published(snapshot, snapshot.month)


async def list_snapshots(session: AsyncSession, *, currency: str) -> list[PublishedDisclosure]:
    """Every frozen month of `currency`, newest first."""
    code = currency_of(currency).code
    rows = await (await session.connection()).execute(
        select(SNAPSHOTS).where(SNAPSHOTS.c.currency == code).order_by(SNAPSHOTS.c.month.desc())
    )
    return [_published(row, row.month) for row in rows]
