"""Shoppers' credit lines: opened and limited by the risk engine's decisions
(services/credit_decisions.py), consumed and restored exactly, locked while used."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.consumer_credit.credit_limit import CreditLimitExceeded as PureLimitExceeded
from domain.consumer_credit.credit_limit import CreditLine, consume_credit, restore_credit
from domain.consumer_credit.eligibility import BNPL_LIMIT_RULE
from domain.consumer_credit.errors import CreditLimitExceeded, NotEligible
from domain.consumer_credit.tables import CreditLineRow
from domain.money import Money
from domain.participants.kyc import KycRequired


async def locked_line(session: AsyncSession, *, shopper_id: UUID, currency: str) -> CreditLineRow:
    """The shopper's line, locked until commit. The risk engine opens one in the currency it
    lends in for every verified shopper: without one, KycRequired (or NotEligible in another
    currency)."""
    line = (
        await session.exec(
            select(CreditLineRow)
            .where(
                col(CreditLineRow.shopper_id) == shopper_id, col(CreditLineRow.currency) == currency
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if line is None:
        if currency != BNPL_LIMIT_RULE.currency:
            raise NotEligible(
                f"installments are lent in {BNPL_LIMIT_RULE.currency} only", field="payment_id"
            )
        raise KycRequired("verify your identity (KYC) to pay in installments", field="payment_id")
    return line


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
