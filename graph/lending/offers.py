"""Partner banks' funding offers: post, revise by version, withdraw, list (API key clients)."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending import tables
from domain.lending.funding_terms import OfferKind, OfferTerms
from domain.lending.services import funding_offers
from domain.money import Money as DomainMoney
from domain.participants.roles import Role, Scope
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.lending.inputs import (
    LoanGrade,
    grades,
    minor,
    optional_minor,
    optional_rate,
    rate_text,
)
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.permissions import allow
from graph.relay import Node, to_global_id, uuid_of

FundingOfferKind = strawberry.enum(
    OfferKind,
    description="LOAN: funds loans; SUPPLY_CHAIN: discounts confirmed receivables.",
)


@strawberry.type(
    description="A partner bank's standing offer to fund loans it accepts, or (SUPPLY_CHAIN) "
    "to discount confirmed receivables of core enterprises."
)
class FundingOffer(Node):
    id: strawberry.ID
    status: str = strawberry.field(description="OPEN or WITHDRAWN.")
    version: int = strawberry.field(description="Send it back with updateFundingOffer.")
    capacity: Money
    committed: Money = strawberry.field(description="Already promised to matched loans.")
    rate_floor: str | None
    spread: str | None
    grades: list[LoanGrade]
    min_term_months: int
    max_term_months: int
    min_amount: Money
    max_amount: Money
    per_borrower_cap: Money | None
    expires_at: datetime | None
    created_at: datetime
    kind: FundingOfferKind  # type: ignore[valid-type]
    max_tenor_days: int | None = strawberry.field(
        description="SUPPLY_CHAIN: the most days to maturity it discounts."
    )
    core_enterprise_ids: list[strawberry.ID] = strawberry.field(
        description="SUPPLY_CHAIN: the core enterprises it accepts (any, if empty); "
        "perBorrowerCap is its credit line to each."
    )

    @classmethod
    def of(cls, row: tables.BankFundingOffer) -> FundingOffer:
        def money(minor_units: int) -> Money:
            return Money.of(DomainMoney(minor_units, row.currency))

        return cls(
            id=to_global_id("FundingOffer", row.id),
            status=row.status,
            version=row.version,
            capacity=money(row.capacity),
            committed=money(row.committed),
            rate_floor=rate_text(row.rate_floor),
            spread=rate_text(row.spread),
            grades=[LoanGrade(g) for g in row.grades],
            min_term_months=row.min_term_months,
            max_term_months=row.max_term_months,
            min_amount=money(row.min_amount),
            max_amount=money(row.max_amount),
            per_borrower_cap=None if row.per_borrower_cap is None else money(row.per_borrower_cap),
            expires_at=row.expires_at,
            created_at=row.created_at,
            kind=OfferKind(row.kind),
            max_tenor_days=row.max_tenor_days,
            core_enterprise_ids=[to_global_id("Participant", c) for c in row.core_enterprise_ids],
        )


@strawberry.input(description="What a bank funds, and at what price: a rate floor or a spread.")
class FundingOfferInput:
    currency: str
    capacity: str = strawberry.field(description='The most it will fund in total, "1000000.00".')
    rate_floor: str | None = strawberry.field(
        default=None, description='The least annual rate it funds at, "0.0600".'
    )
    spread: str | None = strawberry.field(
        default=None, description="Or: the borrower's rate minus this is what it earns."
    )
    grades: list[LoanGrade] | None = strawberry.field(
        default=None, description="LOAN offers: the grades it funds."
    )
    min_term_months: int | None = strawberry.field(default=None, description="LOAN offers.")
    max_term_months: int | None = strawberry.field(default=None, description="LOAN offers.")
    min_amount: str = strawberry.field(description="Per loan or receivable.")
    max_amount: str = strawberry.field(description="Per loan or receivable.")
    per_borrower_cap: str | None = strawberry.field(
        default=None,
        description="Its most owed by one borrower; SUPPLY_CHAIN: its credit line to each "
        "core enterprise, consumed when it finances and restored when the buyer pays.",
    )
    expires_at: datetime | None = None
    kind: FundingOfferKind = OfferKind.LOAN  # type: ignore[valid-type]
    max_tenor_days: int | None = strawberry.field(
        default=None, description="SUPPLY_CHAIN: the most days to maturity it discounts."
    )
    core_enterprise_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="SUPPLY_CHAIN: the core enterprises it accepts (any if none)."
    )

    def to_domain(self) -> OfferTerms:
        return OfferTerms(
            currency=self.currency,
            capacity=minor(self.capacity, self.currency, "capacity"),
            rate_floor=optional_rate(self.rate_floor, "rate_floor"),
            spread=optional_rate(self.spread, "spread"),
            grades=grades(self.grades or []),
            min_term_months=self.min_term_months or 0,
            max_term_months=self.max_term_months or 0,
            min_amount=minor(self.min_amount, self.currency, "min_amount"),
            max_amount=minor(self.max_amount, self.currency, "max_amount"),
            per_borrower_cap=optional_minor(
                self.per_borrower_cap, self.currency, "per_borrower_cap"
            ),
            expires_at=self.expires_at,
            kind=OfferKind(self.kind).value,
            max_tenor_days=self.max_tenor_days,
            core_enterprise_ids=frozenset(
                uuid_of(c, "Participant") for c in self.core_enterprise_ids or []
            ),
        )


@strawberry.type
class FundingOfferPayload(IdempotentPayload):
    offer: FundingOffer | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class FundingOfferMutations:
    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_WRITE)
    @strawberry.mutation(description="Partner banks: post a funding offer (offers:write).")
    @in_unit_of_work
    async def create_funding_offer(
        self,
        info: Info,
        session: AsyncSession,
        input: FundingOfferInput,
        idempotency_key: IdempotencyKey,
    ) -> FundingOfferPayload:
        ctx = info.context
        offer = await funding_offers.create_funding_offer(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            terms=input.to_domain(),
            idempotency_key=idempotency_key,
        )
        return FundingOfferPayload(offer=FundingOffer.of(offer))

    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_WRITE)
    @strawberry.mutation(
        description="Partner banks: replace an offer's terms; `version` must be the one you "
        "read (VERSION_CONFLICT otherwise)."
    )
    @in_unit_of_work
    async def update_funding_offer(
        self,
        info: Info,
        session: AsyncSession,
        id: strawberry.ID,
        version: int,
        input: FundingOfferInput,
    ) -> FundingOfferPayload:
        ctx = info.context
        row = await funding_offers.update_funding_offer(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            offer_id=uuid_of(id, "FundingOffer"),
            expected_version=version,
            terms=input.to_domain(),
        )
        return FundingOfferPayload(offer=FundingOffer.of(row))

    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_WRITE)
    @strawberry.mutation(description="Partner banks: stop an offer funding new loans.")
    @in_unit_of_work
    async def withdraw_funding_offer(
        self, info: Info, session: AsyncSession, id: strawberry.ID
    ) -> FundingOfferPayload:
        ctx = info.context
        row = await funding_offers.withdraw_funding_offer(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            offer_id=uuid_of(id, "FundingOffer"),
        )
        return FundingOfferPayload(offer=FundingOffer.of(row))


@strawberry.type
class FundingOfferQueries:
    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_READ)
    @strawberry.field(description="Partner banks: your funding offers, newest first.")
    async def my_funding_offers(self, info: Info) -> list[FundingOffer]:
        async with info.context.db() as session:
            rows = await funding_offers.my_funding_offers(session, actor=info.context.actor)
        return [FundingOffer.of(row) for row in rows]
