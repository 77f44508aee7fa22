"""Batch reads for the GraphQL face's DataLoaders: one query per list, keys in order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.tables import Loan, LoanInstallment, LoanMatch, LoanNote, LoanProductRow

T = TypeVar("T", bound=SQLModel)


async def products_by_id(session: AsyncSession, ids: Sequence[UUID]) -> list[LoanProductRow | None]:
    rows = await session.exec(select(LoanProductRow).where(col(LoanProductRow.id).in_(ids)))
    found = {row.id: row for row in rows.all()}
    return [found.get(key) for key in ids]


async def _of_loans(
    session: AsyncSession, model: type[T], loan_ids: Sequence[UUID], *order: Any
) -> list[list[T]]:
    """Each loan's rows of `model` (which has a `loan_id`), in `order`, keys in order."""
    loan_id = col(model.loan_id)  # type: ignore[attr-defined]
    rows = await session.exec(select(model).where(loan_id.in_(loan_ids)).order_by(loan_id, *order))
    by_loan: defaultdict[UUID, list[T]] = defaultdict(list)
    for row in rows.all():
        by_loan[row.loan_id].append(row)  # type: ignore[attr-defined]
    return [by_loan[key] for key in loan_ids]


async def installments_of_loans(
    session: AsyncSession, loan_ids: Sequence[UUID]
) -> list[list[LoanInstallment]]:
    return await _of_loans(session, LoanInstallment, loan_ids, col(LoanInstallment.number))


async def notes_of_loans(session: AsyncSession, loan_ids: Sequence[UUID]) -> list[list[LoanNote]]:
    return await _of_loans(session, LoanNote, loan_ids, col(LoanNote.created_at), col(LoanNote.id))


async def matches_of_loans(
    session: AsyncSession, loan_ids: Sequence[UUID]
) -> list[list[LoanMatch]]:
    return await _of_loans(
        session, LoanMatch, loan_ids, col(LoanMatch.created_at), col(LoanMatch.id)
    )


async def notes_by_id(session: AsyncSession, ids: Sequence[UUID]) -> list[tuple[LoanNote, Loan]]:
    """The notes of `ids`, each with its loan."""
    rows = await session.exec(
        select(LoanNote, Loan)
        .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
        .where(col(LoanNote.id).in_(ids))
    )
    return list(rows.all())


async def matches_by_id(session: AsyncSession, ids: Sequence[UUID]) -> list[tuple[LoanMatch, Loan]]:
    """The matches of `ids`, each with its loan."""
    rows = await session.exec(
        select(LoanMatch, Loan)
        .join(Loan, col(Loan.id) == col(LoanMatch.loan_id))
        .where(col(LoanMatch.id).in_(ids))
    )
    return list(rows.all())
