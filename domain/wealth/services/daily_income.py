"""The worker's daily income job: each fund's published days posted in order, once each.

Any number of workers: each claims a fund whose next day (the day after `income_through`)
has closed and been published, with FOR UPDATE SKIP LOCKED, and posts that one day in one
transaction that also moves `income_through` on; so a day is never posted twice nor skipped,
and a worker that was down catches up day by day. A day not yet published waits.

Posting day D (income.py's rules, fees.py's fees):
- holdings that bought or redeemed on D or later (few) have their units at the last close
  rebuilt from their movements, and are paid one by one from one statement, each marked
  paid for D (nothing as well);
- every other holding earns on all its units: one UPDATE of the fund's holdings not marked
  paid for D, never one row at a time, paying floor(units x rate / 10,000) where that is at
  least a minor unit;
- the fund's income on all earning units, rounded once, less what the holdings got, is the
  residue booked to the fund's residue account;
- the management (and custodian) fee on the previous day's closing assets;
- one journal: earnings -> units (the holders' income), -> residue, -> revenue stream
  `management_fee`, -> the custodian's wallet.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock, today
from domain.events.services.outbox import emit
from domain.jobs.services.batches import each_claimed
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.wallets.services.accounts import wallet_key
from domain.wealth.events import FundIncomePosted
from domain.wealth.fees import daily_fee
from domain.wealth.income import PER_UNITS, RATE_PLACES, earning_units, fund_income, holding_income
from domain.wealth.services.accounts import (
    earnings_key,
    management_fee_key,
    residue_key,
    units_key,
)
from domain.wealth.tables import Fund, FundDay
from domain.wealth.yields import DAYS, seven_day_yield

logger = logging.getLogger("agora.wealth")
SCALE = 10**RATE_PLACES  # the rate in ten-thousandths, an integer

_CLAIM = text(
    """
    SELECT f.id FROM wealth_fund f
    JOIN wealth_fund_day d ON d.fund_id = f.id AND d.day = f.income_through + 1
    WHERE f.income_through + 1 < :today AND d.posted_at IS NULL
      AND f.id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY f.income_through, f.id
    LIMIT 1
    FOR UPDATE OF f SKIP LOCKED
    """
)
# Holdings that bought or redeemed on the day or later: what they did since the last close.
_MOVED = text(
    """
    SELECT m.holding_id, h.units,
           sum(m.units)::bigint AS since,
           coalesce(sum(m.units) FILTER (WHERE m.day = :day AND m.units > 0), 0)::bigint AS bought,
           coalesce(-sum(m.units) FILTER (WHERE m.day = :day AND m.units < 0), 0)::bigint
               AS redeemed
    FROM wealth_movement m JOIN wealth_holding h ON h.id = m.holding_id
    WHERE m.fund_id = :fund AND m.day >= :day
    GROUP BY m.holding_id, h.units
    ORDER BY m.holding_id
    """
)
_PAY_EACH = text(
    """
    UPDATE wealth_holding h
    SET units = h.units + p.income, total_income = h.total_income + p.income,
        last_income = p.income, income_day = :day, updated_at = :now
    FROM jsonb_to_recordset(CAST(:paid AS jsonb)) AS p(id uuid, income bigint)
    WHERE h.id = p.id
    """
)
# Everyone else earns on every unit: integer arithmetic, exactly income.holding_income.
_PAY_ALL = text(
    """
    WITH paid AS (
        UPDATE wealth_holding
        SET units = units + units * :rate / :per,
            total_income = total_income + units * :rate / :per,
            last_income = units * :rate / :per, income_day = :day, updated_at = :now
        WHERE fund_id = :fund AND units >= :least AND income_day IS DISTINCT FROM :day
        RETURNING last_income
    )
    SELECT count(*) AS holdings, coalesce(sum(last_income), 0) AS income FROM paid
    """
)


def _scaled(rate: Decimal) -> int:
    return int(rate * SCALE)


@dataclass(frozen=True, slots=True)
class Moved:
    """The holdings that bought or redeemed on the day or later, and what they did."""

    units: int  # their units now, before the day's income
    at_close: int  # their units at the last close
    earning: int  # their units that earn the day
    income: int  # what they were paid
    paid: int  # how many were paid something


async def _pay_moved(
    session: AsyncSession, fund: Fund, day: date, rate: Decimal, now: datetime
) -> Moved:
    """Pay the holdings that moved on `day` or later, each on its earning units."""
    conn = await session.connection()
    rows = (await conn.execute(_MOVED, {"fund": fund.id, "day": day})).all()
    at_close = earning = 0
    paid: list[dict[str, Any]] = []
    for row in rows:
        closed = row.units - row.since
        units = earning_units(
            held_at_last_close=closed, bought_today=row.bought, redeemed_today=row.redeemed
        )
        at_close, earning = at_close + closed, earning + units
        # Every moved holding is marked paid for the day, nothing as well: the statement
        # that pays everyone else passes over them.
        paid.append({"id": str(row.holding_id), "income": holding_income(units, rate)})
    if paid:
        await conn.execute(_PAY_EACH, {"paid": json.dumps(paid), "day": day, "now": now})
    return Moved(
        units=sum(row.units for row in rows),
        at_close=at_close,
        earning=earning,
        income=sum(p["income"] for p in paid),
        paid=sum(1 for p in paid if p["income"]),
    )


async def _pay_everyone_else(
    session: AsyncSession, fund: Fund, day: date, rate: Decimal, now: datetime
) -> tuple[int, int]:
    """Pay every other holding on all its units, in one statement: (how many, how much)."""
    scaled = _scaled(rate)
    if scaled == 0:
        return 0, 0
    per = PER_UNITS * SCALE
    least = -(-per // scaled)  # the fewest units that earn a minor unit
    conn = await session.connection()
    row = (
        await conn.execute(
            _PAY_ALL,
            {
                "rate": scaled,
                "per": per,
                "least": least,
                "fund": fund.id,
                "day": day,
                "now": now,
            },
        )
    ).one()
    return int(row.holdings), int(row.income)


async def _seven_day_yield(
    session: AsyncSession, fund: Fund, day: date, rate: Decimal
) -> Decimal | None:
    rows = await session.exec(
        select(col(FundDay.income_per_10k))
        .where(
            col(FundDay.fund_id) == fund.id,
            col(FundDay.day) >= day - timedelta(days=DAYS - 1),
            col(FundDay.day) < day,
            col(FundDay.posted_at).is_not(None),
        )
        .order_by(col(FundDay.day))
    )
    return seven_day_yield([*(Decimal(r) for r in rows.all()), rate])


async def post_day(session: AsyncSession, fund: Fund, row: FundDay, now: datetime) -> None:
    """Post the fund's next day (`row`, published, not posted): see the module's doc."""
    day, rate = row.day, row.income_per_10k
    assert day == fund.income_through + timedelta(days=1)
    assert row.posted_at is None
    moved = await _pay_moved(session, fund, day, rate, now)
    others, others_income = await _pay_everyone_else(session, fund, day, rate, now)
    unmoved = fund.units - moved.units  # the others' units, at the last close and now
    earning = unmoved + moved.earning
    assets_before = unmoved + moved.at_close
    paid = moved.income + others_income
    income = fund_income(earning, rate)
    residue = income - paid
    management_fee = daily_fee(assets_before, fund.management_fee_rate)
    custodian_fee = daily_fee(assets_before, fund.custodian_fee_rate)
    c = fund.currency
    details = {"fund_id": str(fund.id), "day": day.isoformat()}
    source = earnings_key(fund.id, c)
    legs = [
        KeyedLeg(source, units_key(fund.id, c), paid, "FUND_INCOME", details),
        KeyedLeg(source, residue_key(fund.id, c), residue, "FUND_INCOME_RESIDUE", details),
        KeyedLeg(source, management_fee_key(c), management_fee, "MANAGEMENT_FEE", details),
    ]
    if fund.custodian_id is not None:
        custodian = wallet_key(fund.custodian_id, c)
        legs.append(KeyedLeg(source, custodian, custodian_fee, "CUSTODIAN_FEE", details))
    legs = [leg for leg in legs if leg.amount > 0]
    if legs:
        await post_by_key(session, legs=legs, now=now)
    fund.units += paid
    fund.income_paid += paid
    fund.residue += residue
    fund.management_fees += management_fee
    fund.custodian_fees += custodian_fee
    fund.income_through = day
    fund.updated_at = now
    row.posted_at = now
    row.earning_units = earning
    row.income = income
    row.residue = residue
    row.holdings_paid = moved.paid + others
    row.assets_before = assets_before
    row.management_fee = management_fee
    row.custodian_fee = custodian_fee
    row.seven_day_yield = await _seven_day_yield(session, fund, day, rate)
    session.add_all([fund, row])
    event = FundIncomePosted(
        fund_id=str(fund.id),
        day=day.isoformat(),
        income_per_10k=str(rate),
        seven_day_yield=None if row.seven_day_yield is None else str(row.seven_day_yield),
        currency=c,
        earning_units=earning,
        income=income,
        residue=residue,
        management_fee=management_fee,
        custodian_fee=custodian_fee,
        units=fund.units,
    )
    audience = [fund.manager_id] + ([fund.custodian_id] if fund.custodian_id else [])
    await emit(session, event, aggregate_id=fund.id, occurred_at=now, audience=audience)


async def post_daily_income(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """The worker's job: every fund's closed, published days posted in order, one day per
    transaction; how many days were posted. A fund whose day fails is rolled back, logged
    and left for the next round, without holding up the others."""

    async def claim(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        found = await (await session.connection()).execute(
            _CLAIM, {"today": today(clock), "skip": skip}
        )
        return found.scalar()

    async def post_next_day(session: AsyncSession, fund_id: UUID) -> None:
        fund = await session.get(Fund, fund_id, populate_existing=True)
        assert fund is not None
        next_day = fund.income_through + timedelta(days=1)
        row = await session.get(FundDay, (fund.id, next_day), populate_existing=True)
        assert row is not None
        await post_day(session, fund, row, clock.now())

    return await each_claimed(
        sessions, claim, post_next_day, logger=logger, failure="fund day not posted"
    )
