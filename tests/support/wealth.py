"""Wealth factories on the service layer: an asset manager, a fund, investors, the jobs, and
the books a fund must balance."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text

from domain.actors import Actor
from domain.clock import FixedClock, today
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.wealth.caps import CURRENT_CAPS
from domain.wealth.redemption import Speed
from domain.wealth.services import funds, redeem, subscribe
from domain.wealth.services.daily_income import post_daily_income
from domain.wealth.services.pay_redemptions import pay_due_redemptions
from domain.wealth.tables import Fund, FundRedemption
from support.crowdfunding import Sessions, backer, ledger_consistent
from support.lending_world import participant

_keys = itertools.count(1)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


async def asset_manager(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.ASSET_MANAGER}, kind=ParticipantKind.BUSINESS)


async def open_fund(
    sessions: Sessions,
    clock: FixedClock,
    manager: Actor,
    *,
    fee: str = "0.003",
    custodian: UUID | None = None,
    custodian_fee: str = "0",
) -> Fund:
    ops = await participant(sessions, clock, {Role.OPERATOR})
    assert manager.participant_id is not None
    async with sessions() as session:
        fund = await funds.create_fund(
            session=session,
            clock=clock,
            actor=ops,
            new=funds.NewFund(
                name="Agora Cash",
                manager_id=manager.participant_id,
                currency="CNY",
                management_fee_rate=Decimal(fee),
                caps_version=CURRENT_CAPS.version,
                custodian_id=custodian,
                custodian_fee_rate=Decimal(custodian_fee),
            ),
        )
        await session.commit()
    return fund


async def investor(sessions: Sessions, clock: FixedClock, funds_: int = 50_000_000) -> Actor:
    return await backer(sessions, clock, funds_)


async def buy(
    sessions: Sessions, clock: FixedClock, who: Actor, fund_id: UUID, amount: int, key: str = ""
) -> None:
    async with sessions() as session:
        await subscribe.subscribe_fund(
            session=session,
            clock=clock,
            actor=who,
            fund_id=fund_id,
            amount=cny(amount),
            idempotency_key=key or f"buy-{next(_keys)}",
        )
        await session.commit()


async def sell(
    sessions: Sessions,
    clock: FixedClock,
    who: Actor,
    fund_id: UUID,
    amount: int,
    speed: Speed = Speed.INSTANT,
    key: str = "",
) -> FundRedemption:
    async with sessions() as session:
        row = await redeem.redeem_fund(
            session=session,
            clock=clock,
            actor=who,
            fund_id=fund_id,
            amount=cny(amount),
            speed=speed,
            idempotency_key=key or f"sell-{next(_keys)}",
        )
        await session.commit()
    return row


async def publish(
    sessions: Sessions, clock: FixedClock, manager: Actor, fund_id: UUID, day: date, rate: str
) -> None:
    async with sessions() as session:
        await funds.publish_fund_income(
            session=session,
            clock=clock,
            actor=manager,
            fund_id=fund_id,
            day=day,
            income_per_10k=Decimal(rate),
        )
        await session.commit()


async def next_day(
    sessions: Sessions, clock: FixedClock, manager: Actor, fund_id: UUID, rate: str
) -> tuple[int, int]:
    """Move to tomorrow, publish the day that just closed, run both jobs: (days, paid)."""
    clock.advance(timedelta(days=1))
    await publish(sessions, clock, manager, fund_id, today(clock) - timedelta(days=1), rate)
    return await post_daily_income(sessions, clock), await pay_due_redemptions(sessions, clock)


@dataclass(frozen=True)
class FundBooks:
    units: int  # the fund row's
    holdings: int  # the sum of its holdings' units
    units_account: int  # the ledger's
    residue: int
    residue_account: int
    pending: int
    redeeming_account: int


async def books(sessions: Sessions, fund_id: UUID) -> FundBooks:
    async with sessions() as session:
        conn = await session.connection()
        fund = await session.get(Fund, fund_id, populate_existing=True)
        assert fund is not None
        held = (
            await conn.execute(
                text("SELECT coalesce(sum(units), 0) FROM wealth_holding WHERE fund_id = :f"),
                {"f": fund_id},
            )
        ).scalar_one()
        accounts = dict(
            (
                await conn.execute(
                    text(
                        "SELECT label, credits_posted - debits_posted FROM ledger_account "
                        "WHERE kind = 'ESCROW' AND label LIKE :prefix"
                    ),
                    {"prefix": f"fund:{fund_id}:%"},
                )
            ).all()
        )
    return FundBooks(
        units=fund.units,
        holdings=int(held),
        units_account=int(accounts.get(f"fund:{fund_id}:units", 0)),
        residue=fund.residue,
        residue_account=int(accounts.get(f"fund:{fund_id}:residue", 0)),
        pending=fund.pending_redemptions,
        redeeming_account=int(accounts.get(f"fund:{fund_id}:redeeming", 0)),
    )


async def balanced(sessions: Sessions, fund_id: UUID) -> FundBooks:
    """The fund's books, asserted to agree with the ledger to the minor unit."""
    found = await books(sessions, fund_id)
    assert found.units == found.holdings == found.units_account, found
    assert found.residue == found.residue_account, found
    assert found.pending == found.redeeming_account, found
    assert await ledger_consistent(sessions)
    return found
