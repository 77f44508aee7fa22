"""Shoppers' credit lines: opened on first use by the eligibility rule, locked while used."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.consumer_credit.credit_limit import CreditLimitExceeded as PureLimitExceeded
from domain.consumer_credit.credit_limit import CreditLine, consume_credit, restore_credit
from domain.consumer_credit.eligibility import RULE_VERSION, credit_limit_for, grade_for
from domain.consumer_credit.errors import CreditLimitExceeded, NotEligible
from domain.consumer_credit.tables import CreditLineRow
from domain.money import Money
from domain.participants.tables import Participant

LINES = CreditLineRow.__table__  # type: ignore[attr-defined]


async def locked_line(
    session: AsyncSession, *, shopper_id: UUID, currency: str, now: datetime
) -> CreditLineRow:
    """The shopper's line, opened by the eligibility rule if need be, locked until commit."""
    participant = await session.get(Participant, shopper_id)
    limit = credit_limit_for(participant.kyc_level if participant else 0, currency)
    if limit is None:
        raise NotEligible("verify your identity to pay in installments", field="payment_id")
    await (await session.connection()).execute(
        insert(LINES)
        .values(
            shopper_id=shopper_id,
            currency=currency,
            credit_limit=limit,
            used=0,
            decided_by=RULE_VERSION,
            created_at=now,
            updated_at=now,
            id=uuid4(),
        )
        .on_conflict_do_nothing(constraint="credit_line_per_currency")
    )
    line = (
        await session.exec(
            select(CreditLineRow)
            .where(
                col(CreditLineRow.shopper_id) == shopper_id, col(CreditLineRow.currency) == currency
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    return line


async def shopper_grade(session: AsyncSession, shopper_id: UUID) -> str:
    """The grade banks' offers see for an eligible shopper (one with a credit line)."""
    participant = await session.get(Participant, shopper_id)
    grade = grade_for(participant.kyc_level if participant else 0)
    if grade is None:
        raise NotEligible("verify your identity to pay in installments", field="payment_id")
    return grade


def _pure(row: CreditLineRow) -> CreditLine:
    return CreditLine(Money(row.credit_limit, row.currency), Money(row.used, row.currency))


def use_credit(row: CreditLineRow, amount: int, now: datetime) -> None:
    try:
        row.used = consume_credit(_pure(row), Money(amount, row.currency)).used.minor
    except PureLimitExceeded as refusal:
        raise CreditLimitExceeded(str(refusal), field="payment_id") from None
    row.updated_at = now


def give_back_credit(row: CreditLineRow, principal: int, now: datetime) -> None:
    if principal:
        row.used = restore_credit(_pure(row), Money(principal, row.currency)).used.minor
        row.updated_at = now


async def my_credit_line(
    session: AsyncSession, *, actor: Actor, currency: str
) -> CreditLineRow | None:
    """The caller's line in `currency`, if one was opened."""
    shopper_id = actor.require_person()
    return (
        await session.exec(
            select(CreditLineRow).where(
                col(CreditLineRow.shopper_id) == shopper_id, col(CreditLineRow.currency) == currency
            )
        )
    ).first()
