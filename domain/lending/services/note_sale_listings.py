"""Notes on the secondary market, as investors browse them: newest first, filtered, keyset-paged."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.lending.tables import Loan, LoanNote, NoteSale
from domain.services.keyset import newest_first


@dataclass(frozen=True, slots=True)
class NoteSaleFilter:
    grades: frozenset[str] = frozenset()  # the loan's grade; empty: every grade
    min_rate: Decimal | None = None  # what the note earns
    currency: str | None = None
    max_price: int | None = None  # minor units; only with a currency
    others_only: bool = False  # leave out the caller's own sales (it cannot buy them)


@dataclass(frozen=True, slots=True)
class NoteSaleListing:
    sale: NoteSale
    note: LoanNote
    loan: Loan


async def listing_of(session: AsyncSession, sale: NoteSale) -> NoteSaleListing:
    """A sale with its note and the note's loan (the session's rows, if it holds them)."""
    note = await session.get(LoanNote, sale.note_id)
    assert note is not None  # a foreign key
    loan = await session.get(Loan, note.loan_id)
    assert loan is not None  # a foreign key
    return NoteSaleListing(sale, note, loan)


async def open_note_sales(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: NoteSaleFilter,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
    ids: Collection[UUID] | None = None,
) -> list[NoteSaleListing]:
    """Open sales matching `filters`, newest first, each with its note and loan, in one query;
    only those of `ids` when given."""
    caller = actor.require_participant()
    query = (
        select(NoteSale, LoanNote, Loan)
        .join(LoanNote, col(LoanNote.id) == col(NoteSale.note_id))
        .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
        .where(col(NoteSale.status) == "OPEN")
    )
    if filters.grades:
        query = query.where(col(Loan.grade).in_(sorted(filters.grades)))
    if filters.min_rate is not None:
        query = query.where(col(LoanNote.annual_rate) >= filters.min_rate)
    if filters.currency is not None:
        query = query.where(col(Loan.currency) == filters.currency)
    if filters.max_price is not None:
        query = query.where(col(NoteSale.price) <= filters.max_price)
    if filters.others_only:
        query = query.where(col(NoteSale.seller_id) != caller)
    if ids is not None:
        query = query.where(col(NoteSale.id).in_(ids))
    query = newest_first(
        query, col(NoteSale.created_at), col(NoteSale.id), after=after, limit=limit
    )
    rows = (await session.exec(query)).all()
    return [NoteSaleListing(sale, note, loan) for sale, note, loan in rows]
