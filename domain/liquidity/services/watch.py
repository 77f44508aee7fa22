"""The worker's `risk-thresholds` job: each currency's position read against the thresholds,
and an operator event for every threshold crossed since the last run.

The last state of each (currency, metric, subject) is kept in `risk_threshold_state`, locked
while it is compared, so several workers announce a crossing once. A reading seen for the
first time is announced only if it is already beyond its limit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import Clock
from domain.disclosure.figures import ratio
from domain.events.services.outbox import emit
from domain.liquidity.events import RiskThresholdCrossed
from domain.liquidity.services.position import liquidity_position
from domain.liquidity.tables import RiskThresholdState
from domain.liquidity.thresholds import Reading
from domain.unit_of_work import transaction

STATES = RiskThresholdState.__table__  # type: ignore[attr-defined]
_CURRENCIES = text(
    "SELECT DISTINCT currency FROM ledger_account WHERE kind = 'SETTLEMENT' ORDER BY currency"
)


def _text(reading: Reading) -> str:
    return ratio(reading.value.numerator, reading.value.denominator)


async def _crossed(session: AsyncSession, currency: str, reading: Reading, now: datetime) -> bool:
    """Record `reading`'s state; whether it crossed its limit (either way) since the last."""
    conn = await session.connection()
    key = {"currency": currency, "metric": reading.metric.value, "subject": reading.subject}
    state = {"breached": reading.breached, "value": _text(reading), "changed_at": now}
    first = await conn.execute(
        insert(STATES).values(**key, **state).on_conflict_do_nothing().returning(STATES.c.metric)
    )
    if first.first() is not None:
        return reading.breached
    where = [STATES.c[name] == value for name, value in key.items()]
    before = (await conn.execute(select(STATES).where(*where).with_for_update())).one()
    if before.breached == reading.breached:
        return False
    await conn.execute(update(STATES).where(*where).values(**state))
    return True


async def watch_currency(session: AsyncSession, *, currency: str, now: datetime) -> int:
    """Read `currency`'s position; announce each threshold crossed; how many were."""
    position = await liquidity_position(session, actor=Actor.system(), currency=currency, now=now)
    crossed = 0
    for reading in position.readings:
        if not await _crossed(session, currency, reading, now):
            continue
        crossed += 1
        event = RiskThresholdCrossed(
            metric=reading.metric.value,
            subject=reading.subject,
            currency=currency,
            value=_text(reading),
            limit=ratio(reading.limit.numerator, reading.limit.denominator),
            bound=reading.bound.value,
            breached=reading.breached,
            thresholds_version=position.thresholds_version,
        )
        aggregate = f"{currency}:{reading.metric.value}:{reading.subject}"
        await emit(session, event, aggregate_id=aggregate, audience=[], occurred_at=now)
    return crossed


async def watch_thresholds(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Every currency with a payment rail, each in its own transaction."""
    async with sessions() as session:
        currencies = list((await (await session.connection()).execute(_CURRENCIES)).scalars())
    crossed = 0
    for currency in currencies:
        async with transaction(sessions) as session:
            crossed += await watch_currency(session, currency=currency, now=clock.now())
    return crossed
