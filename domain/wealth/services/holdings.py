"""A holding's rows: found or opened under the fund's lock, and what it did today."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel import select as select_rows
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.wealth.states import MovementKind
from domain.wealth.tables import Fund, FundHolding, FundMovement, FundRedemption

MOVEMENTS = FundMovement.__table__  # type: ignore[attr-defined]
REDEMPTIONS = FundRedemption.__table__  # type: ignore[attr-defined]


async def holding_of(
    session: AsyncSession, fund: Fund, investor_id: UUID, *, now: datetime, open_one: bool
) -> FundHolding | None:
    """The investor's holding in `fund`, locked (the fund's lock is held: no race opens a
    second); opened empty when `open_one`."""
    found = await session.exec(
        select_rows(FundHolding)
        .where(col(FundHolding.fund_id) == fund.id, col(FundHolding.investor_id) == investor_id)
        .with_for_update()
    )
    holding = found.first()
    if holding is None and open_one:
        holding = FundHolding(fund_id=fund.id, investor_id=investor_id, created_at=now)
        holding.updated_at = now
        session.add(holding)
        await session.flush()
    return holding


async def bought_on(session: AsyncSession, holding_id: UUID, day: date) -> int:
    """Units the holding bought on `day` (the daily purchase cap's count)."""
    query = select(func.coalesce(func.sum(MOVEMENTS.c.units), 0)).where(
        MOVEMENTS.c.holding_id == holding_id,
        MOVEMENTS.c.day == day,
        MOVEMENTS.c.kind == MovementKind.PURCHASE.value,
    )
    return int((await (await session.connection()).execute(query)).scalar_one())


async def redeemed_instantly_on(session: AsyncSession, holding_id: UUID, day: date) -> int:
    """What the holding redeemed T+0 on `day` (the instant quota's count)."""
    query = select(func.coalesce(func.sum(REDEMPTIONS.c.instant), 0)).where(
        REDEMPTIONS.c.holding_id == holding_id, REDEMPTIONS.c.requested_on == day
    )
    return int((await (await session.connection()).execute(query)).scalar_one())


def record_movement(
    session: AsyncSession,
    holding: FundHolding,
    *,
    units: int,
    kind: MovementKind,
    day: date,
    now: datetime,
) -> None:
    """A purchase (+) or redemption (-) of the holding's units on fund day `day`."""
    session.add(
        FundMovement(
            fund_id=holding.fund_id,
            holding_id=holding.id,
            day=day,
            units=units,
            kind=kind.value,
            created_at=now,
        )
    )
