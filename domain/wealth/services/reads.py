"""Reading funds, holdings, redemptions and fund days, as each caller may see them.

Funds are products anyone may browse; a holding and a redemption are their investor's (and
the operators'); a fund's book (its units, residue, fees, days) is its manager's and the
operators'. Another's object reads as a missing one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.participants.roles import Scope
from domain.wealth.tables import Fund, FundDay, FundHolding, FundRedemption


@dataclass(frozen=True, slots=True)
class FundView:
    """A fund and its latest posted day (None before its first)."""

    fund: Fund
    latest: FundDay | None

    @property
    def seven_day_yield(self) -> Decimal | None:
        return self.latest.seven_day_yield if self.latest else None

    @property
    def income_per_10k(self) -> Decimal | None:
        return self.latest.income_per_10k if self.latest else None


@dataclass(frozen=True, slots=True)
class HoldingView:
    """A holding, its fund, and the income of the fund's latest posted day ("yesterday's")."""

    holding: FundHolding
    fund: FundView

    @property
    def income_day(self) -> date | None:
        latest = self.fund.latest
        return latest.day if latest else None

    @property
    def yesterday_income(self) -> int:
        day = self.income_day
        return self.holding.last_income if day and self.holding.income_day == day else 0


async def latest_days(session: AsyncSession, funds: Sequence[Fund]) -> dict[UUID, FundDay]:
    """Each fund's latest posted day, if it has one."""
    wanted = [(f.id, f.income_through) for f in funds if f.income_through > f.launched_on]
    if not wanted:
        return {}
    rows = await session.exec(
        select(FundDay).where(
            col(FundDay.fund_id).in_([fund_id for fund_id, _ in wanted]),
            col(FundDay.day).in_({day for _, day in wanted}),
        )
    )
    through = dict(wanted)
    return {r.fund_id: r for r in rows.all() if through[r.fund_id] == r.day}


async def fund_views(session: AsyncSession, funds: Sequence[Fund]) -> list[FundView]:
    latest = await latest_days(session, funds)
    return [FundView(fund, latest.get(fund.id)) for fund in funds]


async def funds(session: AsyncSession, *, ids: Collection[UUID] | None = None) -> list[FundView]:
    """Funds, newest first (products: anyone may see them), or those of `ids`."""
    query = select(Fund).order_by(col(Fund.created_at).desc(), col(Fund.id))
    if ids is not None:
        query = query.where(col(Fund.id).in_(list(ids)))
    return await fund_views(session, list((await session.exec(query)).all()))


def may_manage(actor: Actor, fund: Fund) -> bool:
    """The fund's manager (a key with funds:read) and operators read its book."""
    if actor.is_operator:
        return True
    if actor.participant_id != fund.manager_id:
        return False
    return actor.api_key_id is None or Scope.FUNDS_READ in actor.scopes


async def managed_funds(session: AsyncSession, *, actor: Actor) -> list[FundView]:
    """The funds the caller manages (every fund for operators), newest first."""
    actor.require_participant()
    actor.require_scope(Scope.FUNDS_READ)
    query = select(Fund).order_by(col(Fund.created_at).desc(), col(Fund.id))
    if not actor.is_operator:
        query = query.where(col(Fund.manager_id) == actor.participant_id)
    return await fund_views(session, list((await session.exec(query)).all()))


async def fund_days(
    session: AsyncSession, *, actor: Actor, fund_id: UUID, limit: int
) -> list[FundDay] | None:
    """A fund's published days, newest first (None: no fund the caller manages)."""
    fund = await session.get(Fund, fund_id)
    if fund is None or not may_manage(actor, fund):
        return None
    query = (
        select(FundDay)
        .where(col(FundDay.fund_id) == fund_id)
        .order_by(col(FundDay.day).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def holding_views(session: AsyncSession, rows: Sequence[FundHolding]) -> list[HoldingView]:
    views = {v.fund.id: v for v in await funds(session, ids={h.fund_id for h in rows})}
    return [HoldingView(row, views[row.fund_id]) for row in rows]


async def holding_view(session: AsyncSession, holding_id: UUID) -> HoldingView | None:
    row = await session.get(FundHolding, holding_id, populate_existing=True)
    if row is None:
        return None
    [view] = await holding_views(session, [row])
    return view


async def my_holdings(session: AsyncSession, *, actor: Actor) -> list[HoldingView]:
    """The caller's holdings, oldest first."""
    investor = actor.require_person()
    query = (
        select(FundHolding)
        .where(col(FundHolding.investor_id) == investor)
        .order_by(col(FundHolding.created_at), col(FundHolding.id))
    )
    return await holding_views(session, list((await session.exec(query)).all()))


async def holdings_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[HoldingView]:
    query = select(FundHolding).where(col(FundHolding.id).in_(list(ids)))
    rows = [r for r in (await session.exec(query)).all() if actor.may_see(r.investor_id)]
    return await holding_views(session, rows)


async def my_redemptions(
    session: AsyncSession, *, actor: Actor, fund_id: UUID | None, limit: int
) -> list[FundRedemption]:
    """The caller's redemptions, newest first (of one fund, or all)."""
    investor = actor.require_person()
    query = select(FundRedemption).where(col(FundRedemption.investor_id) == investor)
    if fund_id is not None:
        query = query.where(col(FundRedemption.fund_id) == fund_id)
    query = query.order_by(col(FundRedemption.created_at).desc(), col(FundRedemption.id))
    query = query.limit(limit)
    return list((await session.exec(query)).all())


async def redemptions_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[FundRedemption]:
    """Redemptions of `ids` the caller may see: its own, its funds' (managers), any (ops)."""
    query = select(FundRedemption).where(col(FundRedemption.id).in_(list(ids)))
    rows = list((await session.exec(query)).all())
    managers = {v.fund.id: v.fund for v in await funds(session, ids={r.fund_id for r in rows})}
    return [
        r for r in rows if actor.may_see(r.investor_id) or may_manage(actor, managers[r.fund_id])
    ]
