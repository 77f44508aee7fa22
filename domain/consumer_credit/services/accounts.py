"""The platform book's BNPL accounts: what shoppers owe, and what BNPL earns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account


async def receivable_account(session: AsyncSession, currency: str, now: datetime) -> int:
    """Principal the platform book lent to shoppers and not yet repaid or refunded."""
    return await open_account(
        session, kind=AccountKind.LOAN_RECEIVABLE, currency=currency, now=now, label="bnpl"
    )


async def discount_account(session: AsyncSession, currency: str, now: datetime) -> int:
    """Merchants' BNPL discount fees and interest subsidies."""
    return await open_account(
        session,
        kind=AccountKind.PLATFORM_REVENUE,
        currency=currency,
        now=now,
        label="bnpl_discount",
    )


async def interest_account(session: AsyncSession, currency: str, now: datetime) -> int:
    """Interest shoppers paid on their installments."""
    return await open_account(
        session,
        kind=AccountKind.PLATFORM_REVENUE,
        currency=currency,
        now=now,
        label="bnpl_interest",
    )


async def plan_escrow(session: AsyncSession, *, plan_id: UUID, currency: str, now: datetime) -> int:
    """Principal partner banks advanced for one plan and are still owed (a liability)."""
    return await open_account(
        session, kind=AccountKind.ESCROW, currency=currency, now=now, label=f"bnpl:{plan_id}"
    )


async def penalty_account(session: AsyncSession, currency: str, now: datetime) -> int:
    """Penalty interest on late installments the platform book's share earned."""
    return await open_account(
        session,
        kind=AccountKind.PLATFORM_REVENUE,
        currency=currency,
        now=now,
        label="bnpl_penalty",
    )
