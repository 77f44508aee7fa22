"""The platform's own lending book: operators set its capacity per currency and read where it
stands; listings of products with the PLATFORM_BOOK channel take what other funders leave."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.services import platform_book as service
from domain.money import Money as DomainMoney
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.lending.inputs import minor, optional_minor
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.permissions import allow


@strawberry.type(
    description="The platform's own money for loans in one currency: the lender of last resort, "
    "funding what bank offers and investors leave of a listing, at the note rate."
)
class PlatformBook:
    currency: str
    capacity: Money = strawberry.field(description="The most it may have lent at once.")
    max_per_loan: Money | None = strawberry.field(description="Its most in one loan.")
    outstanding: Money = strawberry.field(description="Principal its live notes still hold.")
    available: Money = strawberry.field(description="What it can lend now.")
    updated_at: datetime

    @classmethod
    def of(cls, view: service.PlatformBookView) -> PlatformBook:
        def money(minor_units: int) -> Money:
            return Money.of(DomainMoney(minor_units, view.currency))

        return cls(
            currency=view.currency,
            capacity=money(view.capacity),
            max_per_loan=None if view.max_per_loan is None else money(view.max_per_loan),
            outstanding=money(view.outstanding),
            available=money(view.available),
            updated_at=view.updated_at,
        )


@strawberry.input
class PlatformBookInput:
    currency: str
    capacity: str = strawberry.field(description='"5000000.00"; 0 stops it lending.')
    max_per_loan: str | None = strawberry.field(default=None, description="Absent: no limit.")


@strawberry.type
class PlatformBookPayload:
    book: PlatformBook | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class PlatformBookMutations:
    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: how much of the platform's own money may be lent in a currency "
        "(principal outstanding in its notes), and its most in one loan."
    )
    @in_unit_of_work
    async def set_platform_book(
        self, info: Info, session: AsyncSession, input: PlatformBookInput
    ) -> PlatformBookPayload:
        ctx = info.context
        view = await service.set_platform_book(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            currency=input.currency,
            capacity=minor(input.capacity, input.currency, "capacity"),
            max_per_loan=optional_minor(input.max_per_loan, input.currency, "max_per_loan"),
        )
        return PlatformBookPayload(book=PlatformBook.of(view))


@strawberry.type
class PlatformBookQueries:
    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: the platform book in a currency; null if never set.")
    async def platform_book(self, info: Info, currency: str) -> PlatformBook | None:
        async with info.context.db() as session:
            view = await service.platform_book(session, actor=info.context.actor, currency=currency)
        return None if view is None else PlatformBook.of(view)
