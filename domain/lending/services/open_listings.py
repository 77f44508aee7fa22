"""Loans open for funding, as investors browse them: newest first, filtered, keyset-paged."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.lending.states import LoanState
from domain.lending.tables import Loan
from domain.services.keyset import newest_first


@dataclass(frozen=True, slots=True)
class ListingFilter:
    grades: frozenset[str] = frozenset()  # empty: every grade
    min_term_months: int | None = None
    max_term_months: int | None = None
    min_rate: Decimal | None = None  # what note holders earn
    currency: str | None = None


async def open_listings(
    session: AsyncSession,
    *,
    actor: Actor,
    now: datetime,
    filters: ListingFilter,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
    ids: Collection[UUID] | None = None,
) -> list[Loan]:
    """Listed loans still before their deadline that match `filters`, newest first; only
    those of `ids` when given."""
    actor.require_participant()
    query = select(Loan).where(
        col(Loan.state) == LoanState.LISTED.value, col(Loan.funding_deadline) > now
    )
    if ids is not None:
        query = query.where(col(Loan.id).in_(ids))
    if filters.grades:
        query = query.where(col(Loan.grade).in_(sorted(filters.grades)))
    if filters.min_term_months is not None:
        query = query.where(col(Loan.term_months) >= filters.min_term_months)
    if filters.max_term_months is not None:
        query = query.where(col(Loan.term_months) <= filters.max_term_months)
    if filters.min_rate is not None:
        query = query.where(col(Loan.funder_rate) >= filters.min_rate)
    if filters.currency is not None:
        query = query.where(col(Loan.currency) == filters.currency)
    query = newest_first(query, col(Loan.listed_at), col(Loan.id), after=after, limit=limit)
    return list((await session.exec(query)).all())
