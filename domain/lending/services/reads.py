"""Batch reads for the GraphQL face's DataLoaders: one query per list, keys in order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.tables import LoanInstallment, LoanNote, LoanProductRow


async def products_by_id(session: AsyncSession, ids: Sequence[UUID]) -> list[LoanProductRow | None]:
    rows = await session.exec(select(LoanProductRow).where(col(LoanProductRow.id).in_(ids)))
    found = {row.id: row for row in rows.all()}
    return [found.get(key) for key in ids]


async def installments_of_loans(
    session: AsyncSession, loan_ids: Sequence[UUID]
) -> list[list[LoanInstallment]]:
    rows = await session.exec(
        select(LoanInstallment)
        .where(col(LoanInstallment.loan_id).in_(loan_ids))
        .order_by(col(LoanInstallment.loan_id), col(LoanInstallment.number))
    )
    by_loan: defaultdict[UUID, list[LoanInstallment]] = defaultdict(list)
    for row in rows.all():
        by_loan[row.loan_id].append(row)
    return [by_loan[key] for key in loan_ids]


async def notes_of_loans(session: AsyncSession, loan_ids: Sequence[UUID]) -> list[list[LoanNote]]:
    rows = await session.exec(
        select(LoanNote)
        .where(col(LoanNote.loan_id).in_(loan_ids))
        .order_by(col(LoanNote.loan_id), col(LoanNote.created_at), col(LoanNote.id))
    )
    by_loan: defaultdict[UUID, list[LoanNote]] = defaultdict(list)
    for row in rows.all():
        by_loan[row.loan_id].append(row)
    return [by_loan[key] for key in loan_ids]
