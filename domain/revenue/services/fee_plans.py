"""Merchant fee plans: the MDR (percent + fixed) and the payout schedule, set by the operator.

A merchant without a plan in a currency pays the platform's standard terms.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput, Violations
from domain.money import Money, currency_of
from domain.participants.roles import Role, Scope
from domain.participants.tables import Participant
from domain.payments.fees import FeePlan, fee_plan_violations
from domain.payments.settlement import PayoutFrequency, PayoutSchedule
from domain.revenue.tables import MerchantFeePlan

PLANS = MerchantFeePlan.__table__  # type: ignore[attr-defined]
STANDARD_PERCENT_BPS = 60  # 0.60 % and nothing fixed, paid out daily at T+1


@dataclass(frozen=True, slots=True)
class MerchantTerms:
    merchant_id: UUID
    currency: str
    percent_bps: int
    fee: FeePlan
    schedule: PayoutSchedule
    standard: bool  # no plan of its own: the platform's standard terms


def standard_terms(merchant_id: UUID, currency: str) -> MerchantTerms:
    return MerchantTerms(
        merchant_id,
        currency,
        STANDARD_PERCENT_BPS,
        FeePlan(Decimal(STANDARD_PERCENT_BPS) / 100, Money.zero(currency)),
        PayoutSchedule(minimum_payout=Money.zero(currency)),
        standard=True,
    )


def _terms(row: MerchantFeePlan) -> MerchantTerms:
    currency = row.currency
    return MerchantTerms(
        merchant_id=row.merchant_id,
        currency=currency,
        percent_bps=row.percent_bps,
        fee=FeePlan(Decimal(row.percent_bps) / 100, Money(row.fixed_minor, currency)),
        schedule=PayoutSchedule(
            minimum_payout=Money(row.minimum_payout, currency),
            frequency=PayoutFrequency(row.payout_frequency),
            delay_days=row.delay_days,
            weekday=row.weekday,
        ),
        standard=False,
    )


async def terms_of_merchants(
    session: AsyncSession, pairs: Collection[tuple[UUID, str]]
) -> dict[tuple[UUID, str], MerchantTerms]:
    """merchant_terms of many (merchant, currency) pairs in one query."""
    rows = await session.exec(
        select(MerchantFeePlan).where(
            tuple_(col(MerchantFeePlan.merchant_id), col(MerchantFeePlan.currency)).in_(list(pairs))
        )
    )
    planned = {(row.merchant_id, row.currency): _terms(row) for row in rows}
    return {pair: planned.get(pair) or standard_terms(*pair) for pair in pairs}


async def merchant_terms(
    session: AsyncSession, *, merchant_id: UUID, currency: str
) -> MerchantTerms:
    """The merchant's plan in `currency`, or the standard terms."""
    row = (
        await session.exec(
            select(MerchantFeePlan).where(
                col(MerchantFeePlan.merchant_id) == merchant_id,
                col(MerchantFeePlan.currency) == currency,
            )
        )
    ).first()
    return standard_terms(merchant_id, currency) if row is None else _terms(row)


@dataclass(frozen=True, slots=True)
class FeePlanInput:
    merchant_id: UUID
    currency: str
    percent_bps: int
    fixed: int
    payout_frequency: PayoutFrequency = PayoutFrequency.DAILY
    delay_days: int = 1
    weekday: int = 0
    minimum_payout: int = 0


def _check(plan: FeePlanInput) -> None:
    violations = Violations()
    violations.check(currency_of, plan.currency)
    if not 0 <= plan.percent_bps <= 10_000:
        violations.add("must be within 0..10000 (basis points)", field="percent_bps")
    for field, message in fee_plan_violations(
        FeePlan(Decimal(plan.percent_bps) / 100, Money(plan.fixed, plan.currency))
    ):
        violations.add(message, field="fixed" if field == "fixed" else "percent_bps")
    if not 0 <= plan.delay_days <= 30:
        violations.add("must be within 0..30 days", field="delay_days")
    if not 0 <= plan.weekday <= 6:
        violations.add("must be within 0 (Monday)..6", field="weekday")
    if plan.minimum_payout < 0:
        violations.add("must not be negative", field="minimum_payout")
    violations.raise_if_any()


async def set_fee_plan(
    *, session: AsyncSession, clock: Clock, actor: Actor, plan: FeePlanInput
) -> MerchantTerms:
    """Create or replace a merchant's plan in a currency; operators only, audited."""
    actor.require_operator()
    _check(plan)
    merchant = await session.get(Participant, plan.merchant_id)
    if merchant is None:
        raise NotFound("no such participant", field="merchant_id")
    if Role.MERCHANT.value not in merchant.roles:
        raise InvalidInput("this participant is not a merchant", field="merchant_id")
    now = clock.now()
    values = {
        "percent_bps": plan.percent_bps,
        "fixed_minor": plan.fixed,
        "payout_frequency": plan.payout_frequency.value,
        "delay_days": plan.delay_days,
        "weekday": plan.weekday,
        "minimum_payout": plan.minimum_payout,
        "updated_at": now,
    }
    await (await session.connection()).execute(
        insert(PLANS)
        .values(
            id=uuid4(),
            merchant_id=plan.merchant_id,
            currency=plan.currency,
            created_at=now,
            **values,
        )
        .on_conflict_do_update(constraint="merchant_fee_plan_per_currency", set_=values)
    )
    record(
        session,
        actor=actor,
        action="payments.fee_plan",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Participant",
        target_id=plan.merchant_id,
        details={
            "currency": plan.currency,
            **{k: v for k, v in values.items() if k != "updated_at"},
        },
    )
    return await merchant_terms(session, merchant_id=plan.merchant_id, currency=plan.currency)


async def visible_terms(
    session: AsyncSession, *, actor: Actor, currency: str, merchant_id: UUID | None
) -> MerchantTerms:
    """A merchant reads its own terms; the operator anyone's (NotFound for anyone else)."""
    if merchant_id is None or merchant_id == actor.participant_id:
        own = actor.require_role(Role.MERCHANT)
        actor.require_scope(Scope.PAYMENTS_READ)
        return await merchant_terms(session, merchant_id=own, currency=currency)
    actor.require_participant()
    if not actor.is_operator or await session.get(Participant, merchant_id) is None:
        raise NotFound("no such participant", field="merchant_id")
    return await merchant_terms(session, merchant_id=merchant_id, currency=currency)
