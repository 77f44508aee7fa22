"""A money-market fund on the real ledger: purchases within caps, daily income paid in
units with the residue to the fund, T+0 within the quota and T+1 on the next business day."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from domain.actors import NotFound
from domain.clock import FixedClock, today
from domain.idempotency.service import IdempotencyKeyReused
from domain.wealth.errors import FundCapExceeded, FundDayRefused, InsufficientUnits
from domain.wealth.redemption import Speed
from domain.wealth.services import reads
from domain.wealth.services.daily_income import post_daily_income
from domain.wealth.services.pay_redemptions import pay_due_redemptions
from domain.wealth.states import RedemptionState
from domain.wealth.tables import Fund, FundDay, FundHolding
from support.crowdfunding import Sessions, balance, revenue
from support.wealth import (
    asset_manager,
    balanced,
    buy,
    investor,
    next_day,
    open_fund,
    publish,
    sell,
)


async def _holding(sessions: Sessions, fund_id: object, who: object) -> FundHolding:
    async with sessions() as session:
        found = await session.exec(
            select(FundHolding).where(
                col(FundHolding.fund_id) == fund_id, col(FundHolding.investor_id) == who
            )
        )
        return found.one()


async def test_units_bought_today_earn_from_tomorrow_and_the_residue_goes_to_the_fund(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    alice, bob, carol = [await investor(sessions, clock) for _ in range(3)]
    await buy(sessions, clock, alice, fund.id, 10_000_00)
    await buy(sessions, clock, bob, fund.id, 5_000_00)
    await buy(sessions, clock, carol, fund.id, 33_33)
    clock.advance(timedelta(days=1))  # the launch day closes: nobody held units through it

    assert await next_day(sessions, clock, manager, fund.id, "0.6543") == (1, 0)

    # alice 0.6543 -> 0.65, bob 0.32715 -> 0.32, carol 0.0021 -> 0; the fund's 0.98363 -> 0.98
    assert (await _holding(sessions, fund.id, alice.participant_id)).units == 10_000_65
    assert (await _holding(sessions, fund.id, bob.participant_id)).units == 5_000_32
    assert (await _holding(sessions, fund.id, carol.participant_id)).units == 33_33
    found = await balanced(sessions, fund.id)
    assert found.residue == 1
    async with sessions() as session:
        day = await session.get(FundDay, (fund.id, today(clock) - timedelta(days=1)))
    assert day is not None
    assert (day.earning_units, day.income, day.residue, day.holdings_paid) == (
        15_033_33,
        98,
        1,
        2,
    )
    # 0.3 % a year on the previous day's assets, 15,033.33: 0.12356... -> 0.12
    assert day.management_fee == 12
    assert await revenue(sessions, "management_fee") == 12
    async with sessions() as session:
        [view] = await reads.my_holdings(session, actor=alice)
    assert view.yesterday_income == 65
    assert view.income_day == today(clock) - timedelta(days=1)


async def test_a_purchase_beyond_a_cap_is_refused_and_changes_nothing(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    rich = await investor(sessions, clock, 2_000_000_00)
    await buy(sessions, clock, rich, fund.id, 150_000_00)
    with pytest.raises(FundCapExceeded, match=r"daily purchase cap: 50000\.00 CNY"):
        await buy(sessions, clock, rich, fund.id, 60_000_00)
    clock.advance(timedelta(days=1))
    await buy(sessions, clock, rich, fund.id, 60_000_00)  # a new day, a new daily cap
    assert (await balance(sessions, rich))[0] == 2_000_000_00 - 210_000_00
    await balanced(sessions, fund.id)


async def test_a_replayed_purchase_buys_once_and_a_reused_key_is_refused(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    alice = await investor(sessions, clock)
    await buy(sessions, clock, alice, fund.id, 1_000_00, key="same")
    await buy(sessions, clock, alice, fund.id, 1_000_00, key="same")
    with pytest.raises(IdempotencyKeyReused):
        await buy(sessions, clock, alice, fund.id, 2_000_00, key="same")
    assert (await _holding(sessions, fund.id, alice.participant_id)).units == 1_000_00
    await balanced(sessions, fund.id)


async def test_instant_redemptions_within_the_quota_then_t1_on_the_next_business_day(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    alice = await investor(sessions, clock, 100_000_00)
    await buy(sessions, clock, alice, fund.id, 30_000_00)
    clock.set(clock.now().replace(day=27))  # Friday 27 November 2026
    first = await sell(sessions, clock, alice, fund.id, 6_000_00)
    second = await sell(sessions, clock, alice, fund.id, 6_000_00)
    assert (first.instant, first.pending, first.state) == (6_000_00, 0, "PAID")
    assert (second.instant, second.pending, second.state) == (4_000_00, 2_000_00, "PENDING")
    assert second.due_on == date(2026, 11, 30)  # Monday
    standard = await sell(sessions, clock, alice, fund.id, 1_000_00, Speed.STANDARD)
    assert (standard.instant, standard.pending) == (0, 1_000_00)
    with pytest.raises(InsufficientUnits):
        await sell(sessions, clock, alice, fund.id, 20_000_00)
    assert (await balance(sessions, alice))[0] == 70_000_00 + 10_000_00
    found = await balanced(sessions, fund.id)
    assert (found.units, found.pending) == (17_000_00, 3_000_00)

    clock.advance(timedelta(days=2))  # Sunday: nothing is due yet
    assert await pay_due_redemptions(sessions, clock) == 0
    clock.advance(timedelta(days=1))  # Monday
    assert await pay_due_redemptions(sessions, clock) == 2
    assert await pay_due_redemptions(sessions, clock) == 0
    assert (await balance(sessions, alice))[0] == 83_000_00
    async with sessions() as session:
        mine = await reads.my_redemptions(session, actor=alice, fund_id=fund.id, limit=10)
    assert {r.state for r in mine} == {RedemptionState.PAID.value}
    assert (await balanced(sessions, fund.id)).pending == 0


async def test_only_the_funds_manager_publishes_closed_days_not_yet_posted(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager, other = await asset_manager(sessions, clock), await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    with pytest.raises(NotFound):
        await publish(sessions, clock, other, fund.id, today(clock) - timedelta(days=1), "0.6")
    with pytest.raises(FundDayRefused, match="closed"):
        await publish(sessions, clock, manager, fund.id, today(clock), "0.6")
    with pytest.raises(FundDayRefused, match="before the fund earned"):
        await publish(sessions, clock, manager, fund.id, today(clock) - timedelta(days=1), "0.6")


async def test_a_worker_that_was_down_catches_up_day_by_day_and_never_posts_twice(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    alice, bob = await investor(sessions, clock), await investor(sessions, clock)
    await buy(sessions, clock, alice, fund.id, 100_000_00)
    start = today(clock)
    clock.advance(timedelta(days=1))
    await buy(sessions, clock, bob, fund.id, 100_000_00)  # day 1: earns from day 2
    clock.advance(timedelta(days=1))
    await sell(sessions, clock, alice, fund.id, 50_000_00, Speed.STANDARD)  # day 2: 50k earn
    clock.advance(timedelta(days=2))  # day 4; days 1..3 have closed, the worker was down
    for n in (1, 2, 3):
        await publish(sessions, clock, manager, fund.id, start + timedelta(days=n), "1.0000")

    posted = await asyncio.gather(*(post_daily_income(sessions, clock) for _ in range(4)))

    assert sum(posted) == 3
    assert await post_daily_income(sessions, clock) == 0
    a = await _holding(sessions, fund.id, alice.participant_id)
    b = await _holding(sessions, fund.id, bob.participant_id)
    # alice: day 1 on 100,000.00 -> 10.00; day 2 on 50,010.00 -> 5.00 (5.001); day 3 on
    # 50,015.00 -> 5.00 (5.0015). bob: day 2 on 100,000.00 -> 10.00, day 3 on 100,010.00 -> 10.00
    assert a.units == 50_000_00 + 10_00 + 5_00 + 5_00
    assert b.units == 100_000_00 + 10_00 + 10_00
    async with sessions() as session:
        fund_now = await session.get(Fund, fund.id, populate_existing=True)
        days = await session.exec(
            select(FundDay).where(col(FundDay.fund_id) == fund.id).order_by(col(FundDay.day))
        )
        rows = list(days.all())
    assert fund_now is not None
    assert fund_now.income_through == start + timedelta(days=3)
    assert [r.earning_units for r in rows] == [100_000_00, 150_010_00, 150_025_00]
    # day 3: the fund earned 15.0025 -> 15.00, and paid 5.0015 -> 5.00 and 10.001 -> 10.00
    assert [r.income - r.residue for r in rows] == [10_00, 15_00, 15_00]
    assert [r.residue for r in rows] == [0, 0, 0]
    await balanced(sessions, fund.id)


async def test_a_day_not_published_holds_back_the_days_after_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    alice = await investor(sessions, clock)
    await buy(sessions, clock, alice, fund.id, 10_000_00)
    start = today(clock)
    clock.advance(timedelta(days=3))
    await publish(sessions, clock, manager, fund.id, start + timedelta(days=2), "0.6")
    assert await post_daily_income(sessions, clock) == 0  # day 1 is missing: never skipped
    await publish(sessions, clock, manager, fund.id, start + timedelta(days=1), "0.6")
    assert await post_daily_income(sessions, clock) == 2
    # 10,000.00 at 0.6 per 10,000: 0.60 a day, on 10,000.60 the second day: 0.60 (0.60036)
    assert (await _holding(sessions, fund.id, alice.participant_id)).units == 10_001_20


async def test_a_named_custodian_is_paid_its_fee_from_the_earnings_as_the_platform_is(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    custodian = await asset_manager(sessions, clock)
    assert custodian.participant_id is not None
    fund = await open_fund(
        sessions, clock, manager, custodian=custodian.participant_id, custodian_fee="0.001"
    )
    alice = await investor(sessions, clock)
    await buy(sessions, clock, alice, fund.id, 200_000_00)
    clock.advance(timedelta(days=1))
    await next_day(sessions, clock, manager, fund.id, "0.6000")
    # on 200,000.00: 0.3 % / 365 = 1.6438 -> 1.64 to the platform, 0.1 % / 365 = 0.548 -> 0.55
    assert await revenue(sessions, "management_fee") == 164
    assert (await balance(sessions, custodian))[0] == 55
    assert (await _holding(sessions, fund.id, alice.participant_id)).units == 200_012_00
    await balanced(sessions, fund.id)
