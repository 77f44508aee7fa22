"""Cover offers (insurers and guarantors agree to cover products' loans) and the platform's
guarantee fund (operators fund it and watch it)."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending import tables
from domain.lending.services import cover_offers, guarantee_fund
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.lending.inputs import optional_minor, rate, rate_text
from graph.lending.products import CoverKind
from graph.money import Money, MoneyInput
from graph.payloads import in_unit_of_work
from graph.permissions import ANY_KEY, allow
from graph.relay import Node, optional_uuid_of, to_global_id, uuid_of


@strawberry.type(
    description="An insurer's or guarantor's standing agreement to pay loan products' funders "
    "on default. An operator attaches an OPEN offer to a product (LoanProductInput.cover); "
    "withdrawn, it covers no new loan, and the loans already listed keep their cover."
)
class CoverOffer(Node):
    id: strawberry.ID
    provider_id: strawberry.ID = strawberry.field(description="The insurer or guarantor.")
    kind: CoverKind
    currency: str
    share: str = strawberry.field(
        description="The most of the funders' outstanding principal it pays on a default."
    )
    max_loan_amount: Money | None = strawberry.field(
        description="The largest loan it covers; null: any."
    )
    terms: str
    insurance_product_id: strawberry.ID | None = strawberry.field(
        description="INSURANCE: the CREDIT InsuranceProduct each loan is sold a policy of."
    )
    requires_cover: bool = strawberry.field(
        description="Every loan is sold the policy (true), or only those whose borrower "
        "buys it (acceptLoanOffer buyCreditCover: true)."
    )
    status: str = strawberry.field(description="OPEN or WITHDRAWN.")
    created_at: datetime
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, row: tables.CoverOfferRow) -> CoverOffer:
        limit = row.max_loan_amount
        return cls(
            id=to_global_id("CoverOffer", row.id),
            provider_id=to_global_id("Participant", row.provider_id),
            kind=CoverKind(row.kind),
            currency=row.currency,
            share=rate_text(row.share) or "0",
            max_loan_amount=None if limit is None else Money.of(DomainMoney(limit, row.currency)),
            terms=row.terms,
            insurance_product_id=to_global_id("InsuranceProduct", row.insurance_product_id)
            if row.insurance_product_id
            else None,
            requires_cover=row.requires_cover,
            status=row.status,
            created_at=row.created_at,
            withdrawn_at=row.withdrawn_at,
        )


@strawberry.input(description="What an insurer (INSURANCE) or a guarantor (GUARANTEE) covers.")
class CoverOfferInput:
    kind: CoverKind = strawberry.field(
        description="INSURANCE needs the INSURER role (API keys: policies:write); GUARANTEE "
        "the GUARANTOR role (guarantees:write)."
    )
    currency: str
    share: str = strawberry.field(
        description='The most of the funders\' outstanding principal it pays, "0.8".'
    )
    max_loan_amount: str | None = strawberry.field(
        default=None, description="The largest loan it covers; absent: any."
    )
    terms: str = strawberry.field(default="", description="Your own words (at most 500).")
    insurance_product_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="INSURANCE: your CREDIT product; each loan under the offer is sold a "
        "policy of it at disbursement (its premium from the proceeds), and its claim pays the "
        "funders on default.",
    )
    requires_cover: bool = strawberry.field(
        default=True,
        description="False: only the borrowers who choose it when accepting their offer "
        "(acceptLoanOffer buyCreditCover) are sold the policy; the others' funders have no "
        "cover. Needs insuranceProductId.",
    )

    def to_domain(self) -> cover_offers.CoverTerms:
        return cover_offers.CoverTerms(
            kind=self.kind,
            currency=self.currency,
            share=rate(self.share, "share"),
            max_loan_amount=optional_minor(self.max_loan_amount, self.currency, "max_loan_amount"),
            terms=self.terms,
            insurance_product_id=optional_uuid_of(self.insurance_product_id, "InsuranceProduct"),
            requires_cover=self.requires_cover,
        )


@strawberry.type
class CoverOfferPayload(IdempotentPayload):
    offer: CoverOffer | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type(description="A default the guarantee fund owed more on than it held.")
class FundShortfall:
    loan_id: strawberry.ID
    owed: Money
    paid: Money
    shortfall: Money
    at: datetime


@strawberry.type(
    description="The platform's guarantee fund in one currency: it pays the funders of "
    "GUARANTEE-covered products that name no guarantor."
)
class GuaranteeFund:
    currency: str
    balance: Money = strawberry.field(description="What it holds now.")
    contributed: Money = strawberry.field(description="What the platform put in, all told.")
    covered: Money = strawberry.field(
        description="Outstanding principal of the live loans it guarantees."
    )
    paid: Money = strawberry.field(description="What it paid funders on defaults, all told.")
    shortfall: Money = strawberry.field(
        description="What it owed on defaults and could not pay, all told."
    )
    shortfalls: list[FundShortfall] = strawberry.field(description="Newest first, at most 50.")

    @classmethod
    def of(cls, view: guarantee_fund.GuaranteeFundView) -> GuaranteeFund:
        def money(minor: int) -> Money:
            return Money.of(DomainMoney(minor, view.currency))

        return cls(
            currency=view.currency,
            balance=money(view.balance),
            contributed=money(view.contributed),
            covered=money(view.covered),
            paid=money(view.paid),
            shortfall=money(view.shortfall),
            shortfalls=[
                FundShortfall(
                    loan_id=to_global_id("Loan", s.loan_id),
                    owed=money(s.owed),
                    paid=money(s.paid),
                    shortfall=money(s.shortfall),
                    at=s.at,
                )
                for s in view.shortfalls
            ],
        )


@strawberry.input(description="How much of the platform's own money to put in, in a currency.")
class FundGuaranteeFundInput(MoneyInput):
    pass


@strawberry.type
class GuaranteeFundPayload(IdempotentPayload):
    guarantee_fund: GuaranteeFund | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class CoverMutations:
    # A key needs policies:write for insurance, guarantees:write for a guarantee: the use case
    # checks the one its kind needs.
    @allow(Role.INSURER, Role.GUARANTOR, key=ANY_KEY)
    @strawberry.mutation(
        description="Insurers and guarantors: offer to cover loan products' funders; an "
        "operator may then attach the offer to a product."
    )
    @in_unit_of_work
    async def publish_cover_offer(
        self,
        info: Info,
        session: AsyncSession,
        input: CoverOfferInput,
        idempotency_key: IdempotencyKey,
    ) -> CoverOfferPayload:
        ctx = info.context
        offer = await cover_offers.publish_cover_offer(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            terms=input.to_domain(),
            idempotency_key=idempotency_key,
        )
        return CoverOfferPayload(offer=CoverOffer.of(offer))

    @allow(Role.INSURER, Role.GUARANTOR, key=ANY_KEY)
    @strawberry.mutation(
        description="Insurers and guarantors: cover no new loan under this offer; loans "
        "already listed keep their cover."
    )
    @in_unit_of_work
    async def withdraw_cover_offer(
        self, info: Info, session: AsyncSession, id: strawberry.ID
    ) -> CoverOfferPayload:
        ctx = info.context
        row = await cover_offers.withdraw_cover_offer(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            offer_id=uuid_of(id, "CoverOffer"),
        )
        return CoverOfferPayload(offer=CoverOffer.of(row))

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: put the platform's own money into its guarantee fund (audited)."
    )
    @in_unit_of_work
    async def fund_guarantee_fund(
        self,
        info: Info,
        session: AsyncSession,
        input: FundGuaranteeFundInput,
        idempotency_key: IdempotencyKey,
    ) -> GuaranteeFundPayload:
        ctx = info.context
        currency = currency_of(input.currency)
        await guarantee_fund.fund_guarantee_fund(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            amount=parse_money(input.amount, currency, field="amount"),
            idempotency_key=idempotency_key,
        )
        view = await guarantee_fund.guarantee_fund_view(
            session, actor=ctx.actor, currency=currency.code
        )
        return GuaranteeFundPayload(guarantee_fund=GuaranteeFund.of(view))


@strawberry.type
class CoverQueries:
    @allow(Role.INSURER, Role.GUARANTOR, Role.OPERATOR, key=ANY_KEY)
    @strawberry.field(
        description="Insurers and guarantors: your cover offers; operators: everyone's. "
        "Newest first."
    )
    async def cover_offers(self, info: Info) -> list[CoverOffer]:
        async with info.context.db() as session:
            rows = await cover_offers.cover_offers(session, actor=info.context.actor)
        return [CoverOffer.of(row) for row in rows]

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: the platform's guarantee fund in a currency.")
    async def guarantee_fund(self, info: Info, currency: str) -> GuaranteeFund:
        async with info.context.db() as session:
            view = await guarantee_fund.guarantee_fund_view(
                session, actor=info.context.actor, currency=currency
            )
        return GuaranteeFund.of(view)
