"""The secondary market: list a note for sale within its price bounds, buy one on sale."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.lending import tables
from domain.lending.services import secondary_market
from domain.lending.services.note_sale_listings import (
    NoteSaleFilter,
    NoteSaleListing,
    listing_of,
    open_note_sales,
)
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.hardening.policy import page_size
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.lending.inputs import LoanGrade, grades, optional_rate, rate_text
from graph.money import Money
from graph.pagination import Connection, connection, time_and_id
from graph.payloads import in_unit_of_work
from graph.permissions import ANY_KEY, SIGNED_IN, allow
from graph.relay import Node, to_global_id, uuid_of


@strawberry.type(description="A note offered on the secondary market.")
class NoteSale(Node):
    id: strawberry.ID
    note_id: strawberry.ID
    loan_id: strawberry.ID
    status: str = strawberry.field(description="OPEN, SOLD or CANCELLED.")
    price: Money
    transfer_fee: Money = strawberry.field(description="Paid by the seller out of the price.")
    outstanding_principal: Money
    annual_rate: str
    grade: LoanGrade = strawberry.field(description="The loan's credit grade.")
    term_months: int = strawberry.field(description="The loan's whole term.")
    yours: bool = strawberry.field(description="You are the seller (you cannot buy it).")
    created_at: datetime

    @classmethod
    def of(cls, listing: NoteSaleListing, viewer: UUID | None) -> NoteSale:
        sale, note, loan = listing.sale, listing.note, listing.loan

        def money(minor: int) -> Money:
            return Money.of(DomainMoney(minor, loan.currency))

        return cls(
            id=to_global_id("NoteSale", sale.id),
            note_id=to_global_id("LoanNote", note.id),
            loan_id=to_global_id("Loan", note.loan_id),
            status=sale.status,
            price=money(sale.price),
            transfer_fee=money(sale.transfer_fee),
            outstanding_principal=money(note.principal - note.principal_received),
            annual_rate=rate_text(note.annual_rate) or "",
            grade=LoanGrade(loan.grade),
            term_months=loan.term_months,
            yours=sale.seller_id == viewer,
            created_at=sale.created_at,
        )


async def _view(session: AsyncSession, sale: tables.NoteSale, viewer: UUID | None) -> NoteSale:
    return NoteSale.of(await listing_of(session, sale), viewer)


@strawberry.input(description="Narrow the notes on sale; every field left out matches all.")
class NoteSaleFilterInput:
    grades: list[LoanGrade] = strawberry.field(default_factory=list)
    min_rate: str | None = strawberry.field(default=None, description="Least note rate, annual.")
    currency: str | None = None
    max_price: str | None = strawberry.field(
        default=None, description="Dearest price, in `currency` (required with it)."
    )
    others_only: bool = strawberry.field(default=False, description="Leave out your own sales.")

    def to_domain(self) -> NoteSaleFilter:
        if self.max_price is not None and self.currency is None:
            raise InvalidInput("needs a currency", field="max_price")
        currency = None if self.currency is None else currency_of(self.currency)
        max_price = None
        if self.max_price is not None and currency is not None:
            max_price = parse_money(self.max_price, currency, field="max_price").minor
        return NoteSaleFilter(
            grades=grades(self.grades),
            min_rate=optional_rate(self.min_rate, "min_rate"),
            currency=None if currency is None else currency.code,
            max_price=max_price,
            others_only=self.others_only,
        )


@strawberry.input
class ListNoteForSaleInput:
    note_id: strawberry.ID
    price: str
    currency: str


@strawberry.type
class NoteSalePayload(IdempotentPayload):
    sale: NoteSale | None = None
    note_id: strawberry.ID | None = strawberry.field(default=None, description="Your new note.")
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class MarketMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Note holders: offer a note at a price within its bounds (at most its "
        "outstanding principal, accrued interest and the product's premium cap)."
    )
    @in_unit_of_work
    async def list_note_for_sale(
        self, info: Info, session: AsyncSession, input: ListNoteForSaleInput
    ) -> NoteSalePayload:
        ctx = info.context
        sale = await secondary_market.list_note_for_sale(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            note_id=uuid_of(input.note_id, "LoanNote"),
            price=parse_money(input.price, currency_of(input.currency), field="price"),
        )
        return NoteSalePayload(sale=await _view(session, sale, ctx.actor.participant_id))

    @allow(Role.INVESTOR)
    @strawberry.mutation(
        description="Investors: buy a note on sale; future repayments on it are yours."
    )
    @in_unit_of_work
    async def buy_listed_note(
        self,
        info: Info,
        session: AsyncSession,
        sale_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> NoteSalePayload:
        ctx = info.context
        bought = await secondary_market.buy_listed_note(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            sale_id=uuid_of(sale_id, "NoteSale"),
            idempotency_key=idempotency_key,
        )
        return NoteSalePayload(
            sale=NoteSale.of(bought.listing, ctx.actor.participant_id),
            note_id=to_global_id("LoanNote", bought.note_id),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Note holders: take your note off the market while nobody has bought it."
    )
    @in_unit_of_work
    async def cancel_note_sale(
        self, info: Info, session: AsyncSession, sale_id: strawberry.ID
    ) -> NoteSalePayload:
        ctx = info.context
        sale = await secondary_market.cancel_note_sale(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            sale_id=uuid_of(sale_id, "NoteSale"),
        )
        return NoteSalePayload(sale=await _view(session, sale, ctx.actor.participant_id))


@strawberry.type
class MarketQueries:
    @allow(SIGNED_IN, key=ANY_KEY)
    @strawberry.field(description="Notes on sale, newest first (signed-in callers).")
    async def notes_for_sale(
        self,
        info: Info,
        filter: NoteSaleFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NoteSale]:
        page = page_size(first, info.context.hardening)
        wanted = (filter or NoteSaleFilterInput()).to_domain()
        actor = info.context.actor
        async with info.context.db() as session:
            rows = await open_note_sales(
                session, actor=actor, filters=wanted, limit=page + 1, after=time_and_id(after)
            )
        return connection(
            rows,
            page=page,
            key=lambda r: (r.sale.created_at.isoformat(), r.sale.id),
            node=lambda r: NoteSale.of(r, actor.participant_id),
        )
