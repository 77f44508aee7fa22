"""The operator's revenue report: every revenue stream's earnings in a period, grouped.

Read from the ledger's daily revenue counters (`ledger_daily_revenue`, kept with every
posting and checked by `agora ledger verify`), never from the journal itself: a report costs
the same whatever the number of transfers. Streams are the PLATFORM_REVENUE accounts that
exist, so a stream a new context books to is reported from its first fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.money import currency_of
from domain.revenue.business_lines import CURRENT_PLACEMENT, BusinessLine
from domain.revenue.report import Grouping, RevenueLine, StreamDay, group_revenue, total_of

MAX_DAYS = 3_661  # ten years and a day: a report, not an export

# Summed in PostgreSQL per stream and bucket (the day, or the month's first day; one bucket
# for the whole period by STREAM or BUSINESS_LINE): at most streams x days rows come back.
_SUMS = text(
    """
    SELECT a.label AS stream,
           CASE :bucket WHEN 'DAY' THEN r.day
                        WHEN 'MONTH' THEN date_trunc('month', r.day)::date
                        ELSE CAST(:first_day AS date) END AS day,
           SUM(r.credited) AS credited, SUM(r.debited) AS debited
    FROM ledger_daily_revenue r JOIN ledger_account a ON a.id = r.account_id
    WHERE a.kind = 'PLATFORM_REVENUE' AND a.currency = :currency
      AND r.day BETWEEN :first_day AND :last_day
    GROUP BY 1, 2
    """
)
_STREAMS = text(
    """
    SELECT label AS stream, SUM(credits_posted) AS credited, SUM(debits_posted) AS debited
    FROM ledger_account WHERE kind = 'PLATFORM_REVENUE' AND currency = :currency
    GROUP BY label ORDER BY label
    """
)


@dataclass(frozen=True, slots=True)
class StreamBalance:
    """A stream's revenue account to date: all it earned, gave back, and its balance."""

    stream: str
    business_line: BusinessLine
    earned: int
    given_back: int

    @property
    def balance(self) -> int:
        return self.earned - self.given_back


@dataclass(frozen=True, slots=True)
class RevenueReport:
    currency: str
    first_day: date
    last_day: date
    group_by: Grouping
    lines: tuple[RevenueLine, ...]
    total: RevenueLine
    streams: tuple[StreamBalance, ...]  # every stream of the currency, with its balance
    placement_version: str


async def revenue_report(
    session: AsyncSession,
    *,
    actor: Actor,
    currency: str,
    first_day: date,
    last_day: date,
    group_by: Grouping,
) -> RevenueReport:
    """Operators only: revenue from `first_day` to `last_day` (UTC days, both included)."""
    actor.require_operator()
    code = currency_of(currency).code
    if last_day < first_day:
        raise InvalidInput("must not be before from", field="to")
    if (last_day - first_day).days >= MAX_DAYS:
        raise InvalidInput(f"a report spans at most {MAX_DAYS} days", field="to")
    conn = await session.connection()
    balances = [
        StreamBalance(
            row.stream,
            CURRENT_PLACEMENT.line_of(row.stream),
            int(row.credited),
            int(row.debited),
        )
        for row in await conn.execute(_STREAMS, {"currency": code})
    ]
    sums = await conn.execute(
        _SUMS,
        {
            "currency": code,
            "bucket": group_by.value,
            "first_day": first_day,
            "last_day": last_day,
        },
    )
    rows = [StreamDay(r.stream, r.day, int(r.credited), int(r.debited)) for r in sums]
    lines = group_revenue(rows, group_by, streams=[b.stream for b in balances])
    return RevenueReport(
        currency=code,
        first_day=first_day,
        last_day=last_day,
        group_by=group_by,
        lines=tuple(lines),
        total=total_of(lines),
        streams=tuple(balances),
        placement_version=CURRENT_PLACEMENT.version,
    )
