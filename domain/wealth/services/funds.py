"""Operators list a money-market fund run by a partner asset manager; the manager publishes
each closed day's income per 10,000 units, which the worker then posts (daily_income.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock, today
from domain.errors import InvalidInput
from domain.money import currency_of
from domain.participants.roles import Role, Scope
from domain.participants.tables import Participant
from domain.wealth.business_days import CURRENT_CALENDAR
from domain.wealth.caps import VERSIONS, caps_of
from domain.wealth.errors import FundDayRefused
from domain.wealth.fees import check_annual_rate
from domain.wealth.income import check_rate
from domain.wealth.services.updates import audit, lock_fund
from domain.wealth.states import FundState
from domain.wealth.tables import Fund, FundDay


@dataclass(frozen=True, slots=True)
class NewFund:
    name: str
    manager_id: UUID
    currency: str
    management_fee_rate: Decimal  # a year, on assets
    caps_version: str
    custodian_id: UUID | None = None
    custodian_fee_rate: Decimal = Decimal(0)


async def _participant_with(session: AsyncSession, participant_id: UUID, role: Role) -> None:
    row = await session.get(Participant, participant_id)
    if row is None or role.value not in row.roles:
        raise InvalidInput(f"must be a participant with the {role.value} role", field="manager_id")


def _check(new: NewFund) -> None:
    name = new.name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("must be 1 to 120 characters", field="name")
    currency_of(new.currency)
    if new.caps_version not in VERSIONS:
        raise InvalidInput(f"one of {', '.join(sorted(VERSIONS))}", field="caps_version")
    if caps_of(new.caps_version).currency != new.currency:
        raise InvalidInput("the caps are in another currency", field="caps_version")
    for rate, field in (
        (new.management_fee_rate, "management_fee_rate"),
        (new.custodian_fee_rate, "custodian_fee_rate"),
    ):
        try:
            check_annual_rate(rate)
        except ValueError as refused:
            raise InvalidInput(str(refused), field=field) from refused
    if new.custodian_fee_rate and new.custodian_id is None:
        raise InvalidInput("a custodian fee needs a custodian", field="custodian_id")


async def create_fund(*, session: AsyncSession, clock: Clock, actor: Actor, new: NewFund) -> Fund:
    """Operators: list a fund, open for purchases from today; it earns from tomorrow."""
    actor.require_operator()
    _check(new)
    await _participant_with(session, new.manager_id, Role.ASSET_MANAGER)
    if new.custodian_id is not None and await session.get(Participant, new.custodian_id) is None:
        raise InvalidInput("no such participant", field="custodian_id")
    now = clock.now()
    fund = Fund(
        manager_id=new.manager_id,
        custodian_id=new.custodian_id,
        name=new.name.strip(),
        currency=new.currency,
        state=FundState.OPEN.value,
        caps_version=new.caps_version,
        calendar_version=CURRENT_CALENDAR.version,
        management_fee_rate=new.management_fee_rate,
        custodian_fee_rate=new.custodian_fee_rate,
        launched_on=today(clock),
        income_through=today(clock),
        created_at=now,
        updated_at=now,
    )
    session.add(fund)
    await session.flush()
    audit(session, actor, "fund.create", at=now, target_type="Fund", target_id=fund.id)
    return fund


def managed_by(actor: Actor, fund: Fund) -> bool:
    """The fund's manager (person or key) and operators act on a fund's days."""
    return actor.is_operator or actor.participant_id == fund.manager_id


async def publish_fund_income(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    fund_id: UUID,
    day: date,
    income_per_10k: Decimal,
) -> FundDay:
    """The fund's manager: the income per 10,000 units of a closed day not yet posted (a
    correction replaces it until the worker posts the day)."""
    actor.require_role(Role.ASSET_MANAGER)
    actor.require_scope(Scope.FUNDS_WRITE)
    try:
        check_rate(income_per_10k)
    except ValueError as refused:
        raise InvalidInput(str(refused), field="income_per_10k") from refused
    fund = await lock_fund(session, fund_id)
    if fund.manager_id != actor.participant_id:
        raise NotFound("no such fund", field="fund_id")
    if day >= today(clock):
        raise FundDayRefused("a day's income is published once the day has closed", field="day")
    if day <= fund.income_through:
        first = fund.income_through + timedelta(days=1)
        raise FundDayRefused(
            f"{day} is posted already, or before the fund earned: the next day is {first}",
            field="day",
        )
    now = clock.now()
    publisher = actor.require_participant()
    row = await session.get(FundDay, (fund.id, day), with_for_update=True)
    if row is None:
        row = FundDay(
            fund_id=fund.id, day=day, income_per_10k=income_per_10k, published_by=publisher
        )
    row.income_per_10k = income_per_10k
    row.published_by = publisher
    row.published_at = now
    session.add(row)
    await session.flush()
    audit(
        session,
        actor,
        "fund.publish_income",
        at=now,
        target_type="Fund",
        target_id=fund.id,
        details={"day": day.isoformat(), "income_per_10k": str(income_per_10k)},
    )
    return row
