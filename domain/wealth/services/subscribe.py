"""An investor buys units of an open fund from their wallet, idempotently under their key.

Under the fund's row lock: the purchase must fit the investor's holding cap and daily
purchase cap (caps.py, the fund's version); the money moves from the wallet to the fund's
units account and the holding's units grow by as much (a unit is worth 1.00). Units bought
today start earning tomorrow (income.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock, today
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.money import Money
from domain.wallets.services.accounts import wallet_key
from domain.wealth.caps import CapBroken, caps_of, subscription_room
from domain.wealth.errors import FundCapExceeded, FundNotOpen
from domain.wealth.services.accounts import units_key
from domain.wealth.services.holdings import bought_on, holding_of, record_movement
from domain.wealth.services.reads import HoldingView, holding_view
from domain.wealth.services.updates import audit, lock_fund
from domain.wealth.states import FundState, MovementKind

CAP_WORDS = {CapBroken.HOLDING: "holding cap", CapBroken.DAILY_PURCHASE: "daily purchase cap"}


@dataclass(frozen=True, slots=True)
class FundBought(StoredAnswer):
    """What a purchase's key keeps: the holding it went to."""

    holding_id: UUID


async def subscribe_fund(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    fund_id: UUID,
    amount: Money,
    idempotency_key: str,
) -> HoldingView:
    """Buy `amount` of the fund's units from the caller's wallet."""
    investor_id = actor.require_person()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")

    async def execute() -> FundBought:
        fund = await lock_fund(session, fund_id)
        # Read after the lock: a day the worker posted while we waited is closed to us.
        now, day = clock.now(), today(clock)
        if fund.state != FundState.OPEN.value:
            raise FundNotOpen("the fund takes no purchases", field="fund_id")
        if amount.currency != fund.currency:
            raise InvalidInput(f"the fund is in {fund.currency}", field="amount")
        holding = await holding_of(session, fund, investor_id, now=now, open_one=True)
        assert holding is not None
        caps = caps_of(fund.caps_version)
        room = subscription_room(
            caps,
            held=holding.units,
            bought_today=await bought_on(session, holding.id, day),
            amount=amount.minor,
        )
        if room.broken is not None:
            left = Money(room.room, fund.currency).text()
            raise FundCapExceeded(
                f"beyond your {CAP_WORDS[room.broken]}: {left} would still fit", field="amount"
            )
        await post_by_key(
            session,
            now=now,
            legs=[
                KeyedLeg(
                    wallet_key(investor_id, fund.currency),
                    units_key(fund.id, fund.currency),
                    amount.minor,
                    "FUND_PURCHASE",
                    {"fund_id": str(fund.id)},
                )
            ],
        )
        if holding.units == 0:
            fund.holders += 1
        holding.units += amount.minor
        holding.updated_at = fund.updated_at = now
        fund.units += amount.minor
        record_movement(
            session, holding, units=amount.minor, kind=MovementKind.PURCHASE, day=day, now=now
        )
        session.add_all([holding, fund])
        audit(
            session,
            actor,
            "fund.purchase",
            at=now,
            target_type="FundHolding",
            target_id=holding.id,
            details={"amount": amount.minor},
        )
        return FundBought(holding_id=holding.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wealth.subscribe",
        request={"fund": str(fund_id), "amount": amount.minor, "currency": amount.currency},
        execute=execute,
        answer=FundBought,
    )
    view = await holding_view(session, answer.holding_id)
    if view is None:  # cannot happen: holdings are never deleted
        raise NotFound("no such holding", field="fund_id")
    return view
