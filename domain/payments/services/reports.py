"""Settlement reports: a merchant's batches, each with its lines, payout and CSV export.

The CSV is returned by a GraphQL query (`settlementReportCsv`) rather than a separate HTTP
route: one authentication path (API keys with payouts:read), one audit of who read what.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.money import Money
from domain.participants.roles import Role, Scope
from domain.payments.services.settle_merchants import line_entry
from domain.payments.settlement import SettlementBatch
from domain.payments.settlement_report import settlement_csv
from domain.payments.tables import Payout, SettlementBatchRow, SettlementLine


@dataclass(frozen=True, slots=True)
class BatchReport:
    row: SettlementBatchRow
    batch: SettlementBatch  # totals and entries, as the pure rule computed them
    payout: Payout | None

    @property
    def csv(self) -> str:
        return settlement_csv(self.batch)


def _merchant(actor: Actor) -> UUID:
    merchant_id = actor.require_role(Role.MERCHANT)
    actor.require_scope(Scope.PAYOUTS_READ)
    return merchant_id


async def merchant_batches(
    session: AsyncSession, *, actor: Actor, limit: int, ids: Collection[UUID] | None = None
) -> list[SettlementBatchRow]:
    """The caller's settlement batches, newest first; only those of `ids` when given."""
    merchant_id = _merchant(actor)
    query = select(SettlementBatchRow).where(col(SettlementBatchRow.merchant_id) == merchant_id)
    if ids is not None:
        query = query.where(col(SettlementBatchRow.id).in_(ids))
    query = query.order_by(
        col(SettlementBatchRow.settled_on).desc(), col(SettlementBatchRow.currency)
    ).limit(limit)
    return list((await session.exec(query)).all())


async def batch_report(session: AsyncSession, *, actor: Actor, batch_id: UUID) -> BatchReport:
    """One batch with its lines and payout: its merchant's, or the operator's to read."""
    row = await session.get(SettlementBatchRow, batch_id)
    if not actor.is_operator:
        merchant_id = _merchant(actor)
        if row is not None and row.merchant_id != merchant_id:
            row = None
    if row is None:
        raise NotFound("no such settlement batch", field="id")
    lines = (
        await session.exec(
            select(SettlementLine)
            .where(col(SettlementLine.batch_id) == row.id)
            .order_by(col(SettlementLine.id))
        )
    ).all()
    payout = (await session.exec(select(Payout).where(col(Payout.batch_id) == row.id))).first()
    c = row.currency
    paid = row.payout if payout is None or payout.state != "FAILED" else 0
    batch = SettlementBatch(
        merchant_id=str(row.merchant_id),
        settled_on=row.settled_on,
        entries=tuple(line_entry(line) for line in lines),
        gross=Money(row.gross, c),
        refunds=Money(row.refunds, c),
        fees=Money(row.fees, c),
        splits=Money(row.splits, c),
        net=Money(row.net, c),
        carried_in=Money(row.carried_in, c),
        payout=Money(paid, c),
    )
    return BatchReport(row, batch, payout)


async def merchant_payouts(
    session: AsyncSession, *, actor: Actor, limit: int, ids: Collection[UUID] | None = None
) -> list[Payout]:
    """The caller's payouts, newest first; only those of `ids` when given."""
    merchant_id = _merchant(actor)
    query = select(Payout).where(col(Payout.merchant_id) == merchant_id)
    if ids is not None:
        query = query.where(col(Payout.id).in_(ids))
    query = query.order_by(col(Payout.created_at).desc(), col(Payout.id)).limit(limit)
    return list((await session.exec(query)).all())
