"""Races on a fund: purchases at once never pass the daily cap, instant redemptions at once
never pass the instant quota, and the income job racing purchases posts the day once with
the books equal to the ledger."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.clock import FixedClock, today
from domain.errors import DomainError
from domain.wealth.services.daily_income import post_daily_income
from support.crowdfunding import Sessions, balance
from support.wealth import asset_manager, balanced, buy, investor, open_fund, publish, sell


async def _attempt(call: object) -> bool:
    try:
        await call  # type: ignore[misc]
    except DomainError:
        return False
    return True


async def test_purchases_at_once_stop_exactly_at_the_daily_cap(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    rich = await investor(sessions, clock, 1_000_000_00)
    done = await asyncio.gather(
        *(_attempt(buy(sessions, clock, rich, fund.id, 30_000_00)) for _ in range(10))
    )
    assert sum(done) == 6  # 6 x 30,000.00 = 180,000.00; a seventh would pass 200,000.00
    assert (await balanced(sessions, fund.id)).units == 180_000_00


async def test_instant_redemptions_at_once_never_pass_the_quota(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    alice = await investor(sessions, clock, 100_000_00)
    await buy(sessions, clock, alice, fund.id, 100_000_00)
    made = await asyncio.gather(
        *(sell(sessions, clock, alice, fund.id, 3_000_00) for _ in range(8))
    )
    assert sum(r.instant for r in made) == 10_000_00
    assert sum(r.pending for r in made) == 14_000_00
    assert (await balance(sessions, alice))[0] == 10_000_00
    assert (await balanced(sessions, fund.id)).pending == 14_000_00


async def test_the_income_job_racing_purchases_posts_the_day_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager)
    buyers = [await investor(sessions, clock) for _ in range(6)]
    for who in buyers:
        await buy(sessions, clock, who, fund.id, 10_000_00)
    clock.advance(timedelta(days=2))
    await publish(sessions, clock, manager, fund.id, today(clock) - timedelta(days=1), "0.6")
    results = await asyncio.gather(
        post_daily_income(sessions, clock),
        post_daily_income(sessions, clock),
        *(buy(sessions, clock, who, fund.id, 1_000_00) for who in buyers),
    )
    # A job that finds the fund locked by a purchase skips it (SKIP LOCKED) and the next run
    # posts it: across the racing runs and one after them, the day is posted exactly once.
    after = await post_daily_income(sessions, clock)
    assert results[0] + results[1] + after == 1
    assert await post_daily_income(sessions, clock) == 0
    books = await balanced(sessions, fund.id)
    # each 10,000.00 earned 0.60 on day 1; today's purchases earn nothing yet
    assert books.units == 6 * (10_000_00 + 60 + 1_000_00)
