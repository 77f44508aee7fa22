"""Writing a posting: its transfers, the new balances, the daily outflow and revenue counters
and the events, in one statement.

Each round trip to PostgreSQL costs more than the SQL it carries (a send, a wake-up, the
driver's bookkeeping), so the rows travel as JSON documents that PostgreSQL expands
(`jsonb_to_recordset`) into data-modifying CTEs of a single statement: all or nothing like
any statement, and one prepared plan whatever the number of legs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.services.outbox import INSERT_EVENTS_SQL, events_document
from domain.ledger.services.revenue_days import REVENUE_DAYS_SQL

# The events' and the revenue counters' INSERTs are constant SQL, composed here, never input.
WRITE = text(
    f"""
    WITH transfers AS (
        INSERT INTO ledger_transfer (id, journal_id, kind, debit_account_id, credit_account_id,
                                     amount, currency, reason, pending_id, expires_at,
                                     created_at, details)
        SELECT * FROM jsonb_to_recordset(CAST(:transfers AS jsonb)) AS t(
            id uuid, journal_id uuid, kind text, debit_account_id bigint,
            credit_account_id bigint, amount bigint, currency text, reason text,
            pending_id uuid, expires_at timestamptz, created_at timestamptz, details jsonb)
        RETURNING kind, debit_account_id, credit_account_id, amount, created_at
    ),
    revenue AS ({REVENUE_DAYS_SQL}),
    balances AS (
        UPDATE ledger_account AS a
        SET debits_pending = b.debits_pending, debits_posted = b.debits_posted,
            credits_pending = b.credits_pending, credits_posted = b.credits_posted
        FROM jsonb_to_recordset(CAST(:balances AS jsonb)) AS b(
            id bigint, debits_pending bigint, debits_posted bigint,
            credits_pending bigint, credits_posted bigint)
        WHERE a.id = b.id
    ),
    outflows AS (
        INSERT INTO ledger_daily_outflow AS o (account_id, day, reason, amount)
        SELECT * FROM jsonb_to_recordset(CAST(:outflows AS jsonb)) AS n(
            account_id bigint, day date, reason text, amount bigint)
        ON CONFLICT (account_id, day, reason) DO UPDATE SET amount = o.amount + excluded.amount
        RETURNING account_id, reason, amount
    ),
    events AS ({INSERT_EVENTS_SQL})
    SELECT account_id, reason, amount FROM outflows
    """  # noqa: S608
)


def _document(rows: Sequence[dict[str, Any]]) -> str:
    # UUIDs, datetimes and dates as their ISO text, which PostgreSQL reads back exactly.
    return json.dumps(list(rows), default=str)


async def write_posting(
    session: AsyncSession,
    *,
    transfers: Sequence[dict[str, Any]],
    balances: Sequence[dict[str, Any]],
    outflows: Sequence[dict[str, Any]],
    events: list[dict[str, Any]],
) -> dict[tuple[int, str], int]:
    """Insert `transfers`, store `balances` (one row per account), add `outflows` (one row
    per account, day and reason) to their counters and record `events` (outbox rows); the
    counters' new totals."""
    totals = await (await session.connection()).execute(
        WRITE,
        {
            "transfers": _document(transfers),
            "balances": _document(balances),
            "outflows": _document(outflows),
            "events": events_document(events),
        },
    )
    return {(row.account_id, row.reason): row.amount for row in totals}
