"""What each revenue account earned and gave back per day: one counter row per (account, day).

The revenue reports (`domain/revenue/services/revenue_report.py`) read these rows, not the
journal, so a year's report costs the same with ten thousand transfers or ten million. The
ledger adds to them in the statement that writes the transfers (`journal_writes.py`), under
the lock it already holds on the revenue account; only posted money counts (a hold into a
revenue account counts when it is posted, on the day it is posted). The day is the UTC date
of the transfer, so `agora ledger verify` recomputes every counter from the journal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

# Reads a `transfers` relation (kind, debit_account_id, credit_account_id, amount,
# created_at): in journal_writes.py the CTE that inserted them; below, a JSON document.
REVENUE_DAYS_SQL = """
    INSERT INTO ledger_daily_revenue AS r (account_id, day, credited, debited)
    SELECT a.id, (t.created_at AT TIME ZONE 'UTC')::date,
           COALESCE(SUM(t.amount) FILTER (WHERE a.id = t.credit_account_id), 0),
           COALESCE(SUM(t.amount) FILTER (WHERE a.id = t.debit_account_id), 0)
    FROM transfers t
    JOIN ledger_account a
      ON a.id IN (t.debit_account_id, t.credit_account_id) AND a.kind = 'PLATFORM_REVENUE'
    WHERE t.kind IN ('POSTED', 'POST_PENDING')
    GROUP BY 1, 2
    ON CONFLICT (account_id, day) DO UPDATE
    SET credited = r.credited + excluded.credited, debited = r.debited + excluded.debited
"""

_COUNT = text(
    f"""
    WITH transfers AS (
        SELECT * FROM jsonb_to_recordset(CAST(:transfers AS jsonb)) AS t(
            kind text, debit_account_id bigint, credit_account_id bigint, amount bigint,
            created_at timestamptz)
    )
    {REVENUE_DAYS_SQL}
    """  # noqa: S608
)


async def count_revenue(session: AsyncSession, transfers: Sequence[dict[str, Any]]) -> None:
    """Add transfers written outside `write_posting` (a hold's capture) to the counters of the
    revenue accounts they touch (nothing for the others)."""
    await (await session.connection()).execute(
        _COUNT, {"transfers": json.dumps(list(transfers), default=str)}
    )
