"""The operator's volume figures read from the ledger: what each business line moved per day
(its revenue is the revenue report's, domain/revenue/services/revenue_report.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.ledger.balances import TransferKind
from domain.ledger.originations import ORIGINATING_REASONS
from domain.ledger.services.posting import TRANSFERS
from domain.revenue.business_lines import BusinessLine

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DailyVolume:
    day: date  # UTC
    line: BusinessLine
    postings: int
    amount: int  # minor units


async def daily_volume(
    session: AsyncSession, *, actor: Actor, clock: Clock, currency: str, days: int
) -> list[DailyVolume]:
    """What each business line moved per day (UTC) over the last `days` days, today
    included, oldest first; days and lines without volume are left out."""
    actor.require_operator()
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"must be within 1..{MAX_DAYS}", field="days")
    today = clock.now().astimezone(UTC).date()
    since = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=UTC)
    day = sa.cast(sa.func.timezone("UTC", TRANSFERS.c.created_at), sa.Date).label("day")
    rows = await (await session.connection()).execute(
        sa.select(day, TRANSFERS.c.reason, sa.func.count(), sa.func.sum(TRANSFERS.c.amount))
        .where(
            TRANSFERS.c.created_at >= since,
            TRANSFERS.c.currency == currency,
            TRANSFERS.c.kind == TransferKind.POSTED.value,
            TRANSFERS.c.reason.in_(ORIGINATING_REASONS),
        )
        .group_by(day, TRANSFERS.c.reason)
    )
    totals: dict[tuple[date, BusinessLine], list[int]] = {}
    for found_day, reason, postings, amount in rows.all():
        total = totals.setdefault((found_day, ORIGINATING_REASONS[reason]), [0, 0])
        total[0] += int(postings)
        total[1] += int(amount)
    return [
        DailyVolume(found_day, line, postings, amount)
        for (found_day, line), (postings, amount) in sorted(
            totals.items(), key=lambda item: (item[0][0], item[0][1].value)
        )
    ]
