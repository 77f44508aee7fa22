"""What left each wallet today, by reason: one counter row per (wallet, day, reason).

The daily limits (KYC levels) need "how much did this wallet send today". Summing the day's
journal gets slower with every transfer; instead the ledger keeps the sum as it posts, under
the lock it already holds on the wallet, and returns the new total to the limit check. Holds
count when
made (as money that left) and are given back if voided; a partial capture changes nothing,
as the hold's whole amount was counted. The day is the UTC date of the debit (for a void, of
the hold it releases), so `agora ledger verify` can recompute every counter from the journal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ARRAY, BigInteger, any_, bindparam, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.tables import DailyOutflow

OUTFLOWS = DailyOutflow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Outflow:
    """`amount` left `account_id` for `reason` on `at`'s day."""

    account_id: int
    reason: str
    amount: int
    at: datetime


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


def outflow_rows(outflows: Iterable[Outflow]) -> list[dict[str, object]]:
    """One row per (wallet, day, reason): what the postings add to each counter."""
    sums: dict[tuple[int, date, str], int] = {}
    for o in outflows:
        key = (o.account_id, _day(o.at), o.reason)
        sums[key] = sums.get(key, 0) + o.amount
    return [
        {"account_id": account_id, "day": day, "reason": reason, "amount": amount}
        for (account_id, day, reason), amount in sums.items()
    ]


# Voided holds' amounts off their counters, in one statement however many.
_GIVE_BACK = text(
    """
    UPDATE ledger_daily_outflow AS o SET amount = o.amount - g.amount
    FROM jsonb_to_recordset(CAST(:released AS jsonb))
        AS g(account_id bigint, day date, reason text, amount bigint)
    WHERE o.account_id = g.account_id AND o.day = g.day AND o.reason = g.reason
    """
)


async def give_back(session: AsyncSession, *released: Outflow) -> None:
    """Take voided holds' amounts off the counters of the days they were made (an UPDATE: the
    holds were counted then; PostgreSQL would check a negative INSERT before its conflict)."""
    if not released:
        return
    await (await session.connection()).execute(
        _GIVE_BACK, {"released": json.dumps(outflow_rows(released), default=str)}
    )


_TODAY = select(OUTFLOWS.c.account_id, OUTFLOWS.c.amount).where(
    OUTFLOWS.c.account_id == any_(bindparam("ids", type_=ARRAY(BigInteger))),
    OUTFLOWS.c.day == bindparam("day"),
    OUTFLOWS.c.reason == bindparam("reason"),
)


async def outflow_today(
    session: AsyncSession, account_ids: Iterable[int], reason: str, at: datetime
) -> dict[int, int]:
    """What left each of `account_ids` for `reason` on `at`'s day (0 if nothing); read under
    the wallets' locks, it stays true until they are released."""
    ids = sorted(set(account_ids))
    rows = await (await session.connection()).execute(
        _TODAY, {"ids": ids, "day": _day(at), "reason": reason}
    )
    used = dict.fromkeys(ids, 0)
    used.update({row.account_id: row.amount for row in rows})
    return used
