"""Promoted placements on the service layer: the budget held and charged in batches never
beyond it, unspent budget returned, impressions and clicks counted once and never the
advertiser's own, the second price, and the books `agora ledger verify` checks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from domain.advertising.charging import Pricing
from domain.advertising.errors import BidBelowReserve, ItemNotPromotable, PlacementExists
from domain.advertising.states import PlacementNotActive
from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.ledger.errors import InsufficientFunds
from domain.ledger.services.verification import verify_ledger
from support.advertising import (
    advertiser,
    browse,
    cancel,
    charge,
    click,
    counted,
    place,
    placement,
    wallet,
)
from support.crowdfunding import Sessions, backer, ledger_consistent, revenue


async def test_a_placement_holds_its_budget_and_its_fund_is_shown_first(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock, funds=50_000)
    other = await advertiser(sessions, clock, funds=0)

    placed = await place(sessions, clock, ad, budget=20_000)

    assert await wallet(sessions, ad.id) == (30_000, 20_000)
    shown = await browse(sessions, clock, None, [other.fund_id, ad.fund_id])
    assert list(shown) == [ad.fund_id]
    assert shown[ad.fund_id].placement_id == placed
    assert shown[ad.fund_id].slot == 0
    assert (await placement(sessions, placed)).state == "ACTIVE"
    assert await ledger_consistent(sessions)


async def test_refusals_change_nothing(sessions: Sessions, clock: FixedClock) -> None:
    ad = await advertiser(sessions, clock, funds=5_000)
    rival = await advertiser(sessions, clock, funds=5_000)

    with pytest.raises(ItemNotPromotable):
        await place(sessions, clock, ad, item=rival.fund_id, budget=1_000)
    with pytest.raises(BidBelowReserve):
        await place(sessions, clock, ad, bid=99, budget=1_000)
    with pytest.raises(InsufficientFunds):
        await place(sessions, clock, ad, budget=5_001)
    await place(sessions, clock, ad, budget=1_000)
    with pytest.raises(PlacementExists):
        await place(sessions, clock, ad, budget=1_000)

    assert await wallet(sessions, ad.id) == (4_000, 1_000)
    assert await ledger_consistent(sessions)


async def test_one_impression_per_viewer_per_placement_per_hour_never_the_advertisers(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock)
    placed = await place(sessions, clock, ad, bid=500)
    viewer = (await backer(sessions, clock, 0)).participant_id

    for _ in range(3):
        await browse(sessions, clock, viewer, [ad.fund_id])
    await asyncio.gather(*(browse(sessions, clock, viewer, [ad.fund_id]) for _ in range(5)))
    await browse(sessions, clock, ad.id, [ad.fund_id])  # the advertiser's own
    await browse(sessions, clock, None, [ad.fund_id])  # anonymous: nobody to count once
    assert await counted(sessions, placed) == (1, 0, 100, 0)  # alone: the reserve, 1.00/k

    clock.advance(timedelta(minutes=59))
    await browse(sessions, clock, viewer, [ad.fund_id])
    assert (await counted(sessions, placed))[0] == 1
    clock.advance(timedelta(minutes=1))  # a new hour
    await browse(sessions, clock, viewer, [ad.fund_id])
    assert (await counted(sessions, placed))[0] == 2


async def test_clicks_count_only_for_impressions_shown_once_and_never_the_advertisers(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock)
    placed = await place(sessions, clock, ad, pricing=Pricing.CPC, bid=50)
    viewer = await backer(sessions, clock, 0)
    late = await backer(sessions, clock, 0)

    assert not await click(sessions, clock, viewer, placed)  # never shown to them
    await browse(sessions, clock, viewer.participant_id, [ad.fund_id])
    await browse(sessions, clock, ad.id, [ad.fund_id])
    await browse(sessions, clock, late.participant_id, [ad.fund_id])
    results = await asyncio.gather(*(click(sessions, clock, viewer, placed) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert not await click(sessions, clock, ad.actor, placed)  # its own
    clock.advance(timedelta(hours=1, seconds=1))
    assert not await click(sessions, clock, late, placed)  # shown more than an hour ago

    assert await counted(sessions, placed) == (2, 1, 10, 0)  # one click at the 0.10 reserve


async def test_the_winner_pays_the_runner_ups_bid_plus_one(
    sessions: Sessions, clock: FixedClock
) -> None:
    first, second, third = [await advertiser(sessions, clock) for _ in range(3)]
    top = await place(sessions, clock, first, bid=900)
    runner = await place(sessions, clock, second, bid=500)
    out = await place(sessions, clock, third, bid=300)
    viewer = (await backer(sessions, clock, 0)).participant_id

    funds = [third.fund_id, second.fund_id, first.fund_id]
    shown = await browse(sessions, clock, viewer, funds)

    assert {f: s.slot for f, s in shown.items()} == {first.fund_id: 0, second.fund_id: 1}
    assert (await counted(sessions, top))[2] == 501  # per thousand: the runner-up's + 1
    assert (await counted(sessions, runner))[2] == 301
    assert await counted(sessions, out) == (0, 0, 0, 0)


async def test_the_worker_charges_in_batches_stops_at_the_budget_and_never_passes_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock, funds=10_000)
    placed = await place(sessions, clock, ad, pricing=Pricing.CPC, bid=40, budget=25)
    viewers = [await backer(sessions, clock, 0) for _ in range(3)]
    before = await revenue(sessions, "advertising")

    await browse(sessions, clock, viewers[0].participant_id, [ad.fund_id])
    await click(sessions, clock, viewers[0], placed)
    assert await charge(sessions, clock) == 1
    assert (await placement(sessions, placed)).charged == 10
    assert await wallet(sessions, ad.id) == (10_000 - 25, 15)
    assert await charge(sessions, clock) == 0  # nothing new: nothing charged twice

    for v in viewers[1:]:
        await browse(sessions, clock, v.participant_id, [ad.fund_id])
        await click(sessions, clock, v, placed)
    await charge(sessions, clock)

    row = await placement(sessions, placed)
    assert (row.state, row.charged, row.hold_id) == ("EXHAUSTED", 25, None)
    assert await wallet(sessions, ad.id) == (10_000 - 25, 0)
    assert await revenue(sessions, "advertising") - before == 25
    assert await counted(sessions, placed) == (3, 3, 30, 25)
    assert await browse(sessions, clock, viewers[0].participant_id, [ad.fund_id]) == {}
    assert await ledger_consistent(sessions)
    async with sessions() as session:
        events = (await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.id)))).all()
    told = [
        (e.payload["change"], e.payload["charge"], e.payload["returned"], set(e.audience))
        for e in events
        if e.type == "advertising.placement_updated"
    ]
    assert told == [("CREATED", 0, 0, {ad.id}), ("CHARGED", 10, 0, {ad.id}),
                    ("EXHAUSTED", 15, 0, {ad.id})]  # fmt: skip


async def test_concurrent_charges_never_pass_any_budget(
    sessions: Sessions, clock: FixedClock
) -> None:
    ads = [await advertiser(sessions, clock, funds=10_000) for _ in range(3)]
    placed = [await place(sessions, clock, a, bid=1_000, budget=7) for a in ads]
    viewers = [(await backer(sessions, clock, 0)).participant_id for _ in range(8)]
    funds = [a.fund_id for a in ads]

    # Impressions and charges racing each other: 1.00 per thousand... at 1,000 per thousand
    # each impression owes 1 (rounded), so eight viewers owe 8 against budgets of 7.
    await asyncio.gather(
        *(browse(sessions, clock, v, funds) for v in viewers),
        *(charge(sessions, clock) for _ in range(4)),
    )
    await asyncio.gather(*(charge(sessions, clock) for _ in range(4)))

    for p in placed:
        row = await placement(sessions, p)
        impressions, _, accrued, spend = await counted(sessions, p)
        assert row.charged <= row.budget
        assert spend == row.charged
        if impressions:
            assert row.charged == min(round(accrued / 1000), row.budget)
    assert await ledger_consistent(sessions)


async def test_cancelling_charges_what_is_owed_and_returns_the_rest(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock, funds=10_000)
    placed = await place(sessions, clock, ad, pricing=Pricing.CPC, bid=30, budget=1_000)
    viewer = await backer(sessions, clock, 0)
    await browse(sessions, clock, viewer.participant_id, [ad.fund_id])
    await click(sessions, clock, viewer, placed)

    assert await cancel(sessions, clock, ad, placed) == "CANCELLED"

    row = await placement(sessions, placed)
    assert (row.charged, row.hold_id) == (10, None)
    assert await wallet(sessions, ad.id) == (10_000 - 10, 0)
    with pytest.raises(PlacementNotActive):
        await cancel(sessions, clock, ad, placed)
    assert await ledger_consistent(sessions)


async def test_a_placement_past_its_end_is_ended_by_the_worker_and_refunded(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock, funds=10_000)
    placed = await place(sessions, clock, ad, budget=3_000, ends_in=timedelta(hours=2))
    viewer = (await backer(sessions, clock, 0)).participant_id
    await browse(sessions, clock, viewer, [ad.fund_id])  # 1.00 per thousand: rounds to 0

    clock.advance(timedelta(hours=2))
    assert await browse(sessions, clock, viewer, [ad.fund_id]) == {}
    assert await charge(sessions, clock) == 1

    row = await placement(sessions, placed)
    assert (row.state, row.charged) == ("ENDED", 0)
    assert await wallet(sessions, ad.id) == (10_000, 0)
    assert await ledger_consistent(sessions)


async def test_ledger_verify_catches_a_placement_whose_books_disagree(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock, funds=10_000)
    placed = await place(sessions, clock, ad, budget=1_000)
    assert await ledger_consistent(sessions)

    async with sessions() as session:  # charged, as if, without a posting
        await (await session.connection()).execute(
            text("UPDATE ad_placement SET charged = charged + 1 WHERE id = :p"), {"p": placed}
        )
        await session.commit()

    async with sessions() as session:
        report = await verify_ledger(session)
    assert report.misbilled_placements == [placed]
    assert not report.consistent


async def test_a_placement_whose_item_left_its_list_ends_and_is_refunded(
    sessions: Sessions, clock: FixedClock
) -> None:
    ad = await advertiser(sessions, clock, funds=10_000)
    placed = await place(sessions, clock, ad, budget=3_000)
    async with sessions() as session:  # the fund closes to purchases: nothing to promote
        await (await session.connection()).execute(
            text("UPDATE wealth_fund SET state = 'CLOSED' WHERE id = :f"), {"f": ad.fund_id}
        )
        await session.commit()

    assert await charge(sessions, clock) == 1

    assert (await placement(sessions, placed)).state == "ENDED"
    assert await wallet(sessions, ad.id) == (10_000, 0)
    assert await ledger_consistent(sessions)
