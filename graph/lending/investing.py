"""Investors: browse listed loans (a Relay connection with filters) and buy notes."""

from __future__ import annotations

from dataclasses import field

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.advertising.items import ItemKind
from domain.lending.services import notes
from domain.lending.services.open_listings import ListingFilter, open_listings
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from domain.participants.roles import Role
from graph.advertising.browsing import promoted_page
from graph.context import Info
from graph.errors import UserError
from graph.hardening.policy import page_size
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.lending.inputs import LoanGrade, grades, optional_rate
from graph.lending.loans import Loan
from graph.money import MoneyInput
from graph.pagination import Connection, connection, time_and_id
from graph.payloads import in_unit_of_work
from graph.permissions import ANY_KEY, SIGNED_IN, allow
from graph.relay import to_global_id, uuid_of


@strawberry.input(description="Which listings to show; every field optional.")
class ListingFilterInput:
    grades: list[LoanGrade] = strawberry.field(default_factory=list)
    min_term_months: int | None = None
    max_term_months: int | None = None
    min_rate: str | None = strawberry.field(default=None, description="Least note rate, annual.")
    currency: str | None = None

    def to_domain(self) -> ListingFilter:
        if self.currency is not None:
            currency_of(self.currency)
        return ListingFilter(
            grades=grades(self.grades),
            min_term_months=self.min_term_months,
            max_term_months=self.max_term_months,
            min_rate=optional_rate(self.min_rate, "min_rate"),
            currency=self.currency,
        )


@strawberry.input
class BuyNoteInput(MoneyInput):
    loan_id: strawberry.ID


@strawberry.type
class BuyNotePayload(IdempotentPayload):
    note_id: strawberry.ID | None = None
    hold_id: strawberry.ID | None = strawberry.field(
        default=None, description="The hold on your wallet until the loan is funded."
    )
    loan: Loan | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class InvestingQueries:
    @allow(SIGNED_IN, key=ANY_KEY)
    @strawberry.field(
        description="Loans open for funding, newest first; promoted ones (sponsored) first."
    )
    async def listings(
        self,
        info: Info,
        filter: ListingFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Loan]:
        page = page_size(first, info.context.hardening)
        wanted = (filter or ListingFilterInput()).to_domain()
        async with info.context.browsing_db() as session:  # a standby's, if configured
            rows = await open_listings(
                session,
                actor=info.context.actor,
                now=info.context.clock.now(),
                filters=wanted,
                limit=page + 1,
                after=time_and_id(after),
            )
        listed = connection(
            rows, page=page, key=lambda r: (r.listed_at.isoformat(), r.id), node=Loan.of
        )
        return await promoted_page(info, ItemKind.LOAN, listed)


@strawberry.type
class InvestingMutations:
    @allow(Role.INVESTOR)
    @strawberry.mutation(
        description="Investors: buy notes of a listed loan; your wallet is held until the "
        "loan is funded (captured) or expires (released)."
    )
    @in_unit_of_work
    async def buy_note(
        self,
        info: Info,
        session: AsyncSession,
        input: BuyNoteInput,
        idempotency_key: IdempotencyKey,
    ) -> BuyNotePayload:
        ctx = info.context
        amount: DomainMoney = parse_money(input.amount, currency_of(input.currency), field="amount")
        bought = await notes.buy_note(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            loan_id=uuid_of(input.loan_id, "Loan"),
            amount=amount,
            idempotency_key=idempotency_key,
        )
        return BuyNotePayload(
            note_id=to_global_id("LoanNote", bought.note_id),
            hold_id=to_global_id("Hold", bought.hold_id),
            loan=Loan.of(bought.loan),
        )
