"""Forty days of a money-market fund, on the real ledger, against a model of its rules.

Five investors buy and redeem on random days (instant redemptions beyond the day's quota
split T+0 / T+1); the manager publishes every closed day's income; the worker posts each day
once, except for three days it is down, after which it catches up. Every day the worker runs:
each holding's units are the model's to the minor unit, the fund's units equal its ledger
account, residues and pending redemptions theirs, the ledger verifies; at the end the
management fee is the sum of the rule's daily fees and every day was posted exactly once.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from sqlmodel import col, select

from domain.actors import Actor
from domain.clock import FixedClock, today
from domain.wealth.business_days import CURRENT_CALENDAR
from domain.wealth.caps import CURRENT_CAPS
from domain.wealth.fees import daily_fee
from domain.wealth.income import fund_income, holding_income
from domain.wealth.redemption import Speed
from domain.wealth.services.daily_income import post_daily_income
from domain.wealth.services.pay_redemptions import pay_due_redemptions
from domain.wealth.tables import Fund, FundDay, FundHolding
from support.crowdfunding import Sessions, balance, revenue
from support.wealth import asset_manager, balanced, buy, investor, open_fund, publish, sell

DAYS = 40
DOWN = range(15, 18)  # the worker is down these days: it catches up on day 18
FEE = Decimal("0.003")
QUOTA = CURRENT_CAPS.instant_daily_quota
START_FUNDS = 500_000_00


@dataclass
class Holder:
    who: Actor
    units: int = 0  # as the model has it, every closed day's income paid
    wallet: int = START_FUNDS
    bought: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    redeemed: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    instant: dict[date, int] = field(default_factory=lambda: defaultdict(int))

    def close_before(self, day: date) -> int:
        """Units at the close of the day before `day` (the model pays each day at its close)."""
        return self.units - self.bought[day] + self.redeemed[day]


@pytest.mark.parametrize("seed", [7, 2026])
async def test_forty_days_of_a_fund(sessions: Sessions, clock: FixedClock, seed: int) -> None:
    rnd = random.Random(seed)
    manager = await asset_manager(sessions, clock)
    fund = await open_fund(sessions, clock, manager, fee=str(FEE))
    holders = [Holder(await investor(sessions, clock, START_FUNDS)) for _ in range(5)]
    pending: dict[date, dict[UUID, int]] = defaultdict(lambda: defaultdict(int))
    expected_fees = expected_residue = expected_paid = 0
    posted_days = splits = 0

    for n in range(DAYS):
        day = today(clock)
        for h in holders:  # the day's business
            assert h.who.participant_id is not None
            if rnd.random() < 0.35:
                amount = rnd.randint(1_00, 20_000_00)
                clock.advance(timedelta(seconds=1))
                await buy(sessions, clock, h.who, fund.id, amount)
                h.units += amount
                h.bought[day] += amount
                h.wallet -= amount
            real = await _units(sessions, fund.id, h.who.participant_id)
            if real and rnd.random() < 0.3:
                amount = rnd.randint(1, max(1, real * 6 // 10))
                speed = rnd.choice([Speed.INSTANT, Speed.INSTANT, Speed.STANDARD])
                clock.advance(timedelta(seconds=1))
                made = await sell(sessions, clock, h.who, fund.id, amount, speed)
                instant = 0
                if speed is Speed.INSTANT:
                    instant = min(amount, QUOTA - h.instant[day])
                assert (made.instant, made.pending) == (instant, amount - instant)
                splits += speed is Speed.INSTANT and made.pending > 0
                if made.pending:
                    assert made.due_on == CURRENT_CALENDAR.next_business_day(day)
                    pending[made.due_on][h.who.participant_id] += made.pending
                h.instant[day] += instant
                h.units -= amount
                h.redeemed[day] += amount
                h.wallet += instant

        # The day closes: the model pays it; the manager publishes it the next morning.
        rate = Decimal(rnd.randint(4_000, 9_000)) / 10_000
        if day > fund.launched_on:
            earning = [
                h.close_before(day) - max(0, h.redeemed[day] - h.bought[day]) for h in holders
            ]
            incomes = [holding_income(units, rate) for units in earning]
            expected_residue += fund_income(sum(earning), rate) - sum(incomes)
            expected_paid += sum(incomes)
            expected_fees += daily_fee(sum(h.close_before(day) for h in holders), FEE)
            for h, income in zip(holders, incomes, strict=True):
                h.units += income
        clock.set(clock.now().replace(hour=12, minute=0, second=0) + timedelta(days=1))
        if day > fund.launched_on:
            await publish(sessions, clock, manager, fund.id, day, str(rate))
        if n in DOWN:
            continue

        posted = await post_daily_income(sessions, clock)
        paid = await pay_due_redemptions(sessions, clock)
        # The launch day earns nothing; the day after the worker was down, it catches up.
        assert posted == (0 if n == 0 else 1 + len(DOWN) if n == DOWN.stop else 1)
        posted_days += posted
        for due in [d for d in pending if d <= today(clock)]:
            for owner, amount in pending.pop(due).items():
                next(h for h in holders if h.who.participant_id == owner).wallet += amount
        assert paid >= 0  # how many were due: the wallets say whether they were paid
        books = await balanced(sessions, fund.id)
        for h in holders:
            assert h.who.participant_id is not None
            assert await _units(sessions, fund.id, h.who.participant_id) == h.units
            assert (await balance(sessions, h.who))[0] == h.wallet
        assert books.units == sum(h.units for h in holders)
        assert books.residue == expected_residue

    async with sessions() as session:
        found = await session.get(Fund, fund.id, populate_existing=True)
        days = list(
            (await session.exec(select(FundDay).where(col(FundDay.fund_id) == fund.id))).all()
        )
    assert found is not None
    assert splits > 0  # instant redemptions beyond the quota were made T+1
    assert posted_days == DAYS - 1 == len(days)
    assert all(d.posted_at is not None for d in days)
    assert found.income_through == today(clock) - timedelta(days=1)
    assert found.management_fees == expected_fees == await revenue(sessions, "management_fee")
    assert found.income_paid == expected_paid
    assert sum(d.management_fee for d in days) == expected_fees


async def _units(sessions: Sessions, fund_id: UUID, who: UUID) -> int:
    async with sessions() as session:
        found = await session.exec(
            select(FundHolding.units).where(
                col(FundHolding.fund_id) == fund_id, col(FundHolding.investor_id) == who
            )
        )
        return found.first() or 0
