"""An investor redeems units: T+0 within the day's instant quota, the rest T+1, idempotently.

Under the fund's row lock, the holding's units go at once (they stop earning: income.py).
The instant part moves from the fund's units account to the wallet; the pending part to the
fund's redeeming account, set aside until the worker pays it on the next business day
(pay_redemptions.py). Every payment comes out of money the fund holds for the holder:
nothing is ever advanced.
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
from domain.wealth.business_days import CURRENT_CALENDAR
from domain.wealth.caps import caps_of
from domain.wealth.errors import InsufficientUnits
from domain.wealth.redemption import Speed, split_redemption
from domain.wealth.services.accounts import redeeming_key, units_key
from domain.wealth.services.holdings import holding_of, record_movement, redeemed_instantly_on
from domain.wealth.services.updates import audit, lock_fund, redemption_updated
from domain.wealth.states import MovementKind, RedemptionState
from domain.wealth.tables import FundRedemption


@dataclass(frozen=True, slots=True)
class FundRedeemed(StoredAnswer):
    """What a redemption's key keeps: the redemption."""

    redemption_id: UUID


async def redeem_fund(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    fund_id: UUID,
    amount: Money,
    speed: Speed,
    idempotency_key: str,
) -> FundRedemption:
    """Redeem `amount` of the caller's units: paid at once within the instant quota when
    `speed` is INSTANT, the rest (or all, STANDARD) on the next business day."""
    investor_id = actor.require_person()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")

    async def execute() -> FundRedeemed:
        fund = await lock_fund(session, fund_id)
        # Read after the lock: a day the worker posted while we waited is closed to us.
        now, day = clock.now(), today(clock)
        if amount.currency != fund.currency:
            raise InvalidInput(f"the fund is in {fund.currency}", field="amount")
        holding = await holding_of(session, fund, investor_id, now=now, open_one=False)
        if holding is None:
            raise NotFound("you hold none of this fund", field="fund_id")
        if amount.minor > holding.units:
            held = Money(holding.units, fund.currency).text()
            raise InsufficientUnits(f"you hold {held} of this fund", field="amount")
        quota = caps_of(fund.caps_version).instant_daily_quota
        used = await redeemed_instantly_on(session, holding.id, day)
        split = split_redemption(amount.minor, speed=speed, quota_left=max(0, quota - used))
        redemption = FundRedemption(
            fund_id=fund.id,
            holding_id=holding.id,
            investor_id=investor_id,
            currency=fund.currency,
            speed=speed.value,
            instant=split.instant,
            pending=split.pending,
            state=(RedemptionState.PENDING if split.pending else RedemptionState.PAID).value,
            requested_on=day,
            due_on=CURRENT_CALENDAR.next_business_day(day) if split.pending else None,
            paid_at=None if split.pending else now,
            created_at=now,
        )
        session.add(redemption)
        await session.flush()
        details = {"fund_id": str(fund.id), "redemption_id": str(redemption.id)}
        units = units_key(fund.id, fund.currency)
        legs = []
        if split.instant:
            wallet = wallet_key(investor_id, fund.currency)
            legs.append(KeyedLeg(units, wallet, split.instant, "FUND_REDEMPTION", details))
        if split.pending:
            aside = redeeming_key(fund.id, fund.currency)
            legs.append(KeyedLeg(units, aside, split.pending, "FUND_REDEMPTION_PENDING", details))
        await post_by_key(session, now=now, legs=legs)
        holding.units -= amount.minor
        holding.updated_at = fund.updated_at = now
        fund.units -= amount.minor
        fund.pending_redemptions += split.pending
        if holding.units == 0:
            fund.holders -= 1
        record_movement(
            session, holding, units=-amount.minor, kind=MovementKind.REDEMPTION, day=day, now=now
        )
        session.add_all([holding, fund])
        await redemption_updated(session, redemption, manager_id=fund.manager_id, now=now)
        audit(
            session,
            actor,
            "fund.redeem",
            at=now,
            target_type="FundRedemption",
            target_id=redemption.id,
            details={"instant": split.instant, "pending": split.pending},
        )
        return FundRedeemed(redemption_id=redemption.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wealth.redeem",
        request={
            "fund": str(fund_id),
            "amount": amount.minor,
            "currency": amount.currency,
            "speed": speed.value,
        },
        execute=execute,
        answer=FundRedeemed,
    )
    row = await session.get(FundRedemption, answer.redemption_id, populate_existing=True)
    assert row is not None  # redemptions are never deleted
    return row
