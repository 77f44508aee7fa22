"""Advertising factories on the service layer: an advertiser with a fund to promote, its
placements, viewers' browsing and clicks, the worker's charges, and the books to check."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import text

from domain.actors import Actor
from domain.advertising.charging import Pricing
from domain.advertising.items import ItemKind
from domain.advertising.services import placements, showing
from domain.advertising.services.charging import charge_placements
from domain.advertising.tables import AdPlacement
from domain.clock import FixedClock
from domain.money import Money
from domain.unit_of_work import transaction
from support.crowdfunding import Sessions
from support.lending_world import fund_wallet
from support.wealth import asset_manager, open_fund

_keys = itertools.count(1)


@dataclass(frozen=True)
class Advertiser:
    actor: Actor
    id: UUID
    fund_id: UUID


async def advertiser(sessions: Sessions, clock: FixedClock, funds: int = 1_000_000) -> Advertiser:
    """An asset manager with an open fund to promote and `funds` in its wallet."""
    manager = await asset_manager(sessions, clock)
    assert manager.participant_id is not None
    fund = await open_fund(sessions, clock, manager)
    if funds:
        await fund_wallet(sessions, clock, manager.participant_id, funds)
    return Advertiser(manager, manager.participant_id, fund.id)


async def place(
    sessions: Sessions,
    clock: FixedClock,
    who: Advertiser,
    *,
    bid: int = 500,
    budget: int = 10_000,
    pricing: Pricing = Pricing.CPM,
    ends_in: timedelta = timedelta(days=7),
    item: UUID | None = None,
    key: str = "",
) -> UUID:
    async with transaction(sessions) as session:
        made = await placements.create_placement(
            session=session,
            clock=clock,
            actor=who.actor,
            item_kind=ItemKind.FUND,
            item_id=item or who.fund_id,
            pricing=pricing,
            bid=Money(bid, "CNY"),
            budget=Money(budget, "CNY"),
            ends_at=clock.now() + ends_in,
            idempotency_key=key or f"place-{next(_keys)}",
        )
    return made.placement_id


async def browse(
    sessions: Sessions, clock: FixedClock, viewer: UUID | None, funds: list[UUID]
) -> dict[UUID, showing.Shown]:
    """What the funds list would promote among `funds` for `viewer` (impressions counted)."""
    async with transaction(sessions) as session:
        return await showing.promote(
            session, kind=ItemKind.FUND, item_ids=funds, viewer=viewer, now=clock.now()
        )


async def click(sessions: Sessions, clock: FixedClock, viewer: Actor, placement: UUID) -> bool:
    async with transaction(sessions) as session:
        clicked = await showing.click_promotion(
            session=session, clock=clock, actor=viewer, placement_id=placement
        )
    return clicked.counted


async def cancel(sessions: Sessions, clock: FixedClock, who: Advertiser, placement: UUID) -> str:
    async with transaction(sessions) as session:
        done = await placements.cancel_placement(
            session=session,
            clock=clock,
            actor=who.actor,
            placement_id=placement,
            idempotency_key=f"cancel-{next(_keys)}",
        )
    return done.state


async def charge(sessions: Sessions, clock: FixedClock) -> int:
    return await charge_placements(sessions, clock)


async def placement(sessions: Sessions, placement_id: UUID) -> AdPlacement:
    async with sessions() as session:
        row = await session.get(AdPlacement, placement_id)
    assert row is not None
    return row


async def counted(sessions: Sessions, placement_id: UUID) -> tuple[int, int, int, int]:
    """(impressions, clicks, accrued, spend) in all."""
    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT COALESCE(SUM(impressions), 0), COALESCE(SUM(clicks), 0),"
                " COALESCE(SUM(accrued), 0), COALESCE(SUM(spend), 0)"
                " FROM ad_day WHERE placement_id = :p"
            ),
            {"p": placement_id},
        )
        row = found.one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def wallet(sessions: Sessions, owner: UUID) -> tuple[int, int]:
    """(available, held) of the owner's CNY wallet."""
    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT credits_posted - debits_posted - debits_pending, debits_pending"
                " FROM ledger_account WHERE kind = 'WALLET' AND owner_id = :o AND currency = 'CNY'"
            ),
            {"o": owner},
        )
        row = found.one()
    return int(row[0]), int(row[1])


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


def at_hour_start(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)
