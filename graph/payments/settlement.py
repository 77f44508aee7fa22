"""Merchants' settlement batches, their CSV reports, and payouts."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain.errors import DomainError
from domain.money import Money as DomainMoney
from domain.participants.roles import Role, Scope
from domain.payments.services import reports
from domain.payments.tables import Payout as PayoutRow
from domain.payments.tables import SettlementBatchRow
from graph.context import Info
from graph.hardening.policy import page_size
from graph.money import Money
from graph.permissions import allow
from graph.relay import Node, to_global_id, uuid_of


@strawberry.type(description="A merchant's payout to its bank.")
class Payout(Node):
    id: strawberry.ID
    batch_id: strawberry.ID
    amount: Money
    state: str = strawberry.field(description="PENDING, PAID or FAILED (the money stays).")
    failure_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: PayoutRow) -> Payout:
        return cls(
            id=to_global_id("Payout", row.id),
            batch_id=to_global_id("SettlementBatch", row.batch_id),
            amount=Money.of(DomainMoney(row.amount, row.currency)),
            state=row.state,
            failure_reason=row.failure_reason,
            created_at=row.created_at,
        )


@strawberry.type(
    description="One day's settlement of a merchant: net = gross - refunds - fees - splits."
)
class SettlementBatch(Node):
    id: strawberry.ID
    settled_on: date
    gross: Money
    refunds: Money
    fees: Money
    splits: Money
    net: Money
    carried_in: Money
    payout: Money = strawberry.field(description="Paid out (0 below the minimum payout).")
    carried_out: Money = strawberry.field(description="Into the next batch (and failed payouts).")
    lines: int

    @classmethod
    def of(cls, row: SettlementBatchRow) -> SettlementBatch:
        def m(minor: int) -> Money:
            return Money.of(DomainMoney(minor, row.currency))

        return cls(
            id=to_global_id("SettlementBatch", row.id),
            settled_on=row.settled_on,
            gross=m(row.gross),
            refunds=m(row.refunds),
            fees=m(row.fees),
            splits=m(row.splits),
            net=m(row.net),
            carried_in=m(row.carried_in),
            payout=m(row.payout),
            carried_out=m(row.carried_out),
            lines=row.lines,
        )


@strawberry.type
class SettlementQueries:
    @allow(Role.MERCHANT, key=Scope.PAYOUTS_READ)
    @strawberry.field(
        description="Merchants (payouts:read): your settlement batches, newest first."
    )
    async def settlement_batches(
        self, info: Info, first: int | None = None
    ) -> list[SettlementBatch]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reports.merchant_batches(session, actor=info.context.actor, limit=limit)
        return [SettlementBatch.of(row) for row in rows]

    @allow(Role.MERCHANT, Role.OPERATOR, key=Scope.PAYOUTS_READ, looks_missing=True)
    @strawberry.field(
        description="A settlement batch's report as CSV text (RFC 4180): one row per payment or "
        "refund, then TOTAL, CARRIED_IN, PAYOUT and CARRIED_OUT. Null if not yours."
    )
    async def settlement_report_csv(self, info: Info, batch_id: strawberry.ID) -> str | None:
        async with info.context.db() as session:
            try:
                report = await reports.batch_report(
                    session,
                    actor=info.context.actor,
                    batch_id=uuid_of(batch_id, "SettlementBatch"),
                )
            except DomainError:
                return None
        return report.csv

    @allow(Role.MERCHANT, key=Scope.PAYOUTS_READ)
    @strawberry.field(description="Merchants (payouts:read): your payouts, newest first.")
    async def payouts(self, info: Info, first: int | None = None) -> list[Payout]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reports.merchant_payouts(session, actor=info.context.actor, limit=limit)
        return [Payout.of(row) for row in rows]
