"""A pledge batch's own rows in one statement: the new pledges, the campaign's running totals
and the audit entries, as JSON documents PostgreSQL expands (`jsonb_to_recordset`) into
data-modifying CTEs (as the ledger writes a posting: domain/ledger/services/journal_writes.py).
One round trip and one prepared plan whatever the batch's size, where the ORM's flush and two
multi-row INSERTs whose text changed with the size took three.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.audit.service import INSERT_ENTRIES_SQL, entries_document
from domain.crowdfunding.services.pledge_checks import PLEDGES
from domain.crowdfunding.tables import Campaign, Pledge

_POSTGRESQL: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
# Every column of the pledge table, named and typed from its metadata: constant SQL, never
# input. A pledge row (`pledge_row`) carries every column, so the document is the row.
_COLUMNS = ", ".join(column.name for column in PLEDGES.columns)
_TYPED = ", ".join(
    f"{column.name} {column.type.compile(dialect=_POSTGRESQL)}" for column in PLEDGES.columns
)
TOTALS = ("pledged", "tips", "backers", "updated_at")  # what a batch changes on its campaign

_WRITE = text(
    f"""
    WITH pledges AS (
        INSERT INTO crowdfunding_pledge ({_COLUMNS})
        SELECT {_COLUMNS} FROM jsonb_to_recordset(CAST(:pledges AS jsonb)) AS p({_TYPED})
    ),
    totals AS (
        UPDATE crowdfunding_campaign
        SET pledged = :pledged, tips = :tips, backers = :backers, updated_at = :updated_at
        WHERE id = :campaign_id
    )
    {INSERT_ENTRIES_SQL}
    """  # noqa: S608
)


def pledge_row(pledge: Pledge) -> dict[str, Any]:
    """A new pledge's columns, every one (the document's shape)."""
    return {column.name: getattr(pledge, column.name) for column in PLEDGES.columns}


async def write_pledges(
    session: AsyncSession,
    *,
    campaign: Campaign,
    pledges: list[dict[str, Any]],
    audit: list[dict[str, Any]],
) -> None:
    """Insert `pledges` (`pledge_row`s) and `audit` (entry_rows), and store the campaign's
    running totals as the batch left them on the (locked) `campaign`, in one statement."""
    await (await session.connection()).execute(
        _WRITE,
        {
            "pledges": json.dumps(pledges, default=str),  # UUIDs, datetimes as ISO text
            "campaign_id": campaign.id,
            **{name: getattr(campaign, name) for name in TOTALS},
            "entries": entries_document(audit),
        },
    )
    for name in TOTALS:  # as stored: no second UPDATE at the flush
        set_committed_value(campaign, name, getattr(campaign, name))
