"""The secondary market: list a note for sale within its price bounds, buy one on sale."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from uuid import UUID

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending import tables
from domain.lending.services import secondary_market
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from graph.context import Info
from graph.money import Money
from graph.payloads import UserError, run_mutation
from graph.relay import to_global_id, uuid_of
from graph.wallets.mutations import IdempotencyKey


@strawberry.type(description="A note offered on the secondary market.")
class NoteSale:
    id: strawberry.ID
    note_id: strawberry.ID
    loan_id: strawberry.ID
    status: str = strawberry.field(description="OPEN, SOLD or CANCELLED.")
    price: Money
    transfer_fee: Money = strawberry.field(description="Paid by the seller out of the price.")
    outstanding_principal: Money
    annual_rate: str
    created_at: datetime

    @classmethod
    def of(cls, sale: tables.NoteSale, note: tables.LoanNote, currency: str) -> NoteSale:
        def money(minor: int) -> Money:
            return Money.of(DomainMoney(minor, currency))

        return cls(
            id=to_global_id("NoteSale", sale.id), note_id=to_global_id("LoanNote", note.id),
            loan_id=to_global_id("Loan", note.loan_id), status=sale.status,
            price=money(sale.price), transfer_fee=money(sale.transfer_fee),
            outstanding_principal=money(note.principal - note.principal_received),
            annual_rate=f"{note.annual_rate.normalize():f}", created_at=sale.created_at,
        )  # fmt: skip


async def _view(session: AsyncSession, sale: tables.NoteSale) -> NoteSale:
    note = await session.get(tables.LoanNote, sale.note_id)
    assert note is not None
    loan = await session.get(tables.Loan, note.loan_id)
    assert loan is not None
    return NoteSale.of(sale, note, loan.currency)


@strawberry.input
class ListNoteForSaleInput:
    note_id: strawberry.ID
    price: str
    currency: str


@strawberry.type
class NoteSalePayload:
    sale: NoteSale | None = None
    note_id: strawberry.ID | None = strawberry.field(default=None, description="Your new note.")
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class MarketMutations:
    @strawberry.mutation(
        description="Note holders: offer a note at a price within its bounds (at most its "
        "outstanding principal, accrued interest and the product's premium cap)."
    )
    async def list_note_for_sale(self, info: Info, input: ListNoteForSaleInput) -> NoteSalePayload:
        ctx = info.context

        async def use_case(session: AsyncSession) -> NoteSalePayload:
            sale = await secondary_market.list_note_for_sale(
                session=session, clock=ctx.clock, actor=ctx.actor,
                note_id=uuid_of(input.note_id, "LoanNote"),
                price=parse_money(input.price, currency_of(input.currency), field="price"),
            )  # fmt: skip
            return NoteSalePayload(sale=await _view(session, sale))

        return await run_mutation(info, lambda e: NoteSalePayload(errors=e), use_case)

    @strawberry.mutation(
        description="Investors: buy a note on sale; future repayments on it are yours."
    )
    async def buy_listed_note(
        self, info: Info, sale_id: strawberry.ID, idempotency_key: IdempotencyKey
    ) -> NoteSalePayload:
        ctx = info.context

        async def use_case(session: AsyncSession) -> NoteSalePayload:
            answer = await secondary_market.buy_listed_note(
                session=session, clock=ctx.clock, actor=ctx.actor,
                sale_id=uuid_of(sale_id, "NoteSale"), idempotency_key=idempotency_key,
            )  # fmt: skip
            sale = await session.get(tables.NoteSale, UUID(answer["sale_id"]))
            assert sale is not None
            return NoteSalePayload(
                sale=await _view(session, sale),
                note_id=to_global_id("LoanNote", UUID(answer["note_id"])),
            )

        return await run_mutation(info, lambda e: NoteSalePayload(errors=e), use_case)

    @strawberry.mutation(
        description="Note holders: take your note off the market while nobody has bought it."
    )
    async def cancel_note_sale(self, info: Info, sale_id: strawberry.ID) -> NoteSalePayload:
        ctx = info.context

        async def use_case(session: AsyncSession) -> NoteSalePayload:
            sale = await secondary_market.cancel_note_sale(
                session=session, clock=ctx.clock, actor=ctx.actor,
                sale_id=uuid_of(sale_id, "NoteSale"),
            )  # fmt: skip
            return NoteSalePayload(sale=await _view(session, sale))

        return await run_mutation(info, lambda e: NoteSalePayload(errors=e), use_case)


@strawberry.type
class MarketQueries:
    @strawberry.field(description="Notes on sale, newest first (signed-in callers).")
    async def notes_for_sale(self, info: Info, first: int = 20) -> list[NoteSale]:
        info.context.actor.require_participant()
        async with info.context.db() as session:
            rows = await session.exec(
                select(tables.NoteSale, tables.LoanNote, tables.Loan.currency)
                .join(tables.LoanNote, col(tables.LoanNote.id) == col(tables.NoteSale.note_id))
                .join(tables.Loan, col(tables.Loan.id) == col(tables.LoanNote.loan_id))
                .where(col(tables.NoteSale.status) == "OPEN")
                .order_by(col(tables.NoteSale.created_at).desc(), col(tables.NoteSale.id))
                .limit(min(max(first, 1), 100))
            )
            return [NoteSale.of(sale, note, currency) for sale, note, currency in rows.all()]
