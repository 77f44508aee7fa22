"""Loan products: operators create and version them; everyone may read the current ones."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.lending import debt_transfer, early_repayment, fees, products, tables
from domain.lending.services import define_products as service
from domain.lending.services.product_terms import Marketplace, marketplace_of, product_of
from domain.money import Money as DomainMoney
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.hardening.inputs import MAX_LENGTH
from graph.lending.inputs import minor, optional_minor, optional_rate, rate, rate_text
from graph.lending.types import RepaymentMethod, RoundingMode
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.permissions import ANYONE, allow
from graph.relay import NO_SUCH_OBJECT, Node, to_global_id, uuid_of

# The domain's enums, registered with GraphQL as they are.
strawberry.enum(fees.FeeTiming, description="When a fee is paid.")
strawberry.enum(products.FundingChannel, description="Who may fund it.")
strawberry.enum(products.CoverKind, description="What covers funders on default.")
strawberry.enum(
    early_repayment.EarlyRepaymentInterest, description="Interest charged on early payoff."
)
FeeTiming = fees.FeeTiming
FundingChannel = products.FundingChannel
CoverKind = products.CoverKind
EarlyRepaymentInterest = early_repayment.EarlyRepaymentInterest


PENALTY_DAILY_RATE = (
    "Penalty interest a day on the overdue principal, after the grace days, as a fraction: "
    '"0.0005" is 0.05 % a day (about 18 % a year).'
)


@strawberry.input
class FeeRuleInput:
    name: str = strawberry.field(description='"origination", "service": its revenue stream.')
    timing: FeeTiming
    percent: str = strawberry.field(default="0", description='Of the principal, "0.02".')
    fixed: str = strawberry.field(default="0", description="A fixed amount.")


@strawberry.input(
    description="Who pays the funders on default. A provider pays only under a cover offer it "
    "published itself (publishCoverOffer): the product names the provider, and the offer if "
    "the provider has several open ones; it must hold the role (INSURER for INSURANCE, "
    "GUARANTOR for GUARANTEE), and the offer must be OPEN, of this kind and currency, cover "
    "at least this share and loans up to maxAmount. A GUARANTEE naming no provider is paid "
    "by the platform's guarantee fund (fundGuaranteeFund)."
)
class CoverInput:
    kind: CoverKind = products.CoverKind.NONE
    share: str = strawberry.field(
        default="0", description="Share of the funders' outstanding principal it pays."
    )
    provider_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The insurer's or guarantor's Participant id (it pays from its wallet and "
        "takes the claim); null for a GUARANTEE: the platform's guarantee fund.",
    )
    offer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The provider's CoverOffer id; needed only if it has several open offers "
        "of this kind and currency.",
    )

    def to_domain(self) -> products.Cover:
        return products.Cover(
            self.kind,
            rate(self.share, "cover.share"),
            _id_of(self.provider_id, "Participant", "cover.provider_id"),
            _id_of(self.offer_id, "CoverOffer", "cover.offer_id"),
        )


def _id_of(global_id: str | None, type_name: str, field: str) -> UUID | None:
    """The UUID in a global id of `type_name`; INVALID_INPUT on `field` for anything else."""
    if global_id is None:
        return None
    key = uuid_of(global_id, type_name)
    if key == NO_SUCH_OBJECT:
        raise InvalidInput(f"must be a {type_name} id", field=field)
    return key


@strawberry.input
class TransferRulesInput:
    max_premium: str = "0"
    min_price_share: str | None = None
    fee_rate: str = "0"
    min_fee: str = "0"


@strawberry.input(description="A product's terms; amounts and rates are decimal strings.")
class LoanProductInput:
    code: str = strawberry.field(metadata={MAX_LENGTH: tables.PRODUCT_CODE_LENGTH})
    name: str = strawberry.field(metadata={MAX_LENGTH: tables.PRODUCT_NAME_LENGTH})
    currency: str
    min_amount: str
    max_amount: str
    min_term_months: int
    max_term_months: int
    repayment_method: RepaymentMethod
    rounding: RoundingMode = RoundingMode.HALF_UP
    min_rate: str
    max_rate: str
    fees: list[FeeRuleInput] = strawberry.field(default_factory=list)
    penalty_daily_rate: str = strawberry.field(default="0.0005", description=PENALTY_DAILY_RATE)
    grace_days: int = 3
    default_days: int = 90
    funding_channels: list[FundingChannel] = strawberry.field(
        default_factory=lambda: [products.FundingChannel.INVESTOR_NOTES]
    )
    cover: CoverInput | None = None
    early_repayment: EarlyRepaymentInterest = early_repayment.EarlyRepaymentInterest.ACCRUED_TO_DATE
    transfer: TransferRulesInput | None = None
    platform_spread: str = "0.02"
    note_size: str = "50.00"
    min_investment: str = "50.00"
    max_investor_share: str = "0.5"
    funding_days: int = 7

    def to_domain(self) -> tuple[products.LoanProduct, Marketplace]:
        c = self.currency
        cover = self.cover or CoverInput()
        transfer = self.transfer
        product = products.LoanProduct(
            code=self.code.strip(),
            name=self.name.strip(),
            currency=c,
            min_amount=minor(self.min_amount, c, "min_amount"),
            max_amount=minor(self.max_amount, c, "max_amount"),
            min_term=self.min_term_months,
            max_term=self.max_term_months,
            method=self.repayment_method.to_domain(),
            min_rate=rate(self.min_rate, "min_rate"),
            max_rate=rate(self.max_rate, "max_rate"),
            rounding=self.rounding.to_domain(),
            fees=tuple(
                fees.FeeRule(f.name, f.timing, rate(f.percent, "fees"), minor(f.fixed, c, "fees"))
                for f in self.fees
            ),
            penalty_daily_rate=rate(self.penalty_daily_rate, "penalty_daily_rate"),
            grace_days=self.grace_days,
            default_days=self.default_days,
            funding_channels=frozenset(self.funding_channels),
            cover=cover.to_domain(),
            early_repayment=self.early_repayment,
            transfer=None
            if transfer is None
            else debt_transfer.TransferRules(
                max_premium=rate(transfer.max_premium, "transfer"),
                min_price_share=optional_rate(transfer.min_price_share, "transfer"),
                fee_rate=rate(transfer.fee_rate, "transfer"),
                min_fee=optional_minor(transfer.min_fee, c, "transfer") or 0,
            ),
        )
        market = Marketplace(
            platform_spread=rate(self.platform_spread, "platform_spread"),
            note_size=minor(self.note_size, c, "note_size"),
            min_investment=minor(self.min_investment, c, "min_investment"),
            max_investor_share=rate(self.max_investor_share, "max_investor_share"),
            funding_days=self.funding_days,
        )
        return product, market


@strawberry.type
class FeeRule:
    name: str
    timing: FeeTiming
    percent: str
    fixed: Money


@strawberry.type(description="A product's cover as attached: who pays the funders on default.")
class Cover:
    kind: CoverKind
    share: str = strawberry.field(description="Of the funders' outstanding principal.")
    provider_id: strawberry.ID | None = strawberry.field(
        description="The insurer or guarantor; null: the platform's guarantee fund (or none)."
    )
    offer_id: strawberry.ID | None = strawberry.field(
        description="The provider's cover offer the operator attached."
    )

    @classmethod
    def of(cls, cover: products.Cover) -> Cover:
        return cls(
            kind=cover.kind,
            share=rate_text(cover.share) or "0",
            provider_id=None
            if cover.provider_id is None
            else to_global_id("Participant", cover.provider_id),
            offer_id=None if cover.offer_id is None else to_global_id("CoverOffer", cover.offer_id),
        )


@strawberry.type(description="Resale rules of a product's notes on the secondary market.")
class TransferRules:
    max_premium: str
    min_price_share: str | None
    fee_rate: str
    min_fee: Money


@strawberry.type(description="One version of a loan product: every setting of its input.")
class LoanProduct(Node):
    id: strawberry.ID
    code: str
    version: int
    name: str
    currency: str
    min_amount: Money
    max_amount: Money
    min_term_months: int
    max_term_months: int
    repayment_method: RepaymentMethod
    rounding: RoundingMode
    min_rate: str
    max_rate: str
    fees: list[FeeRule]
    penalty_daily_rate: str = strawberry.field(description=PENALTY_DAILY_RATE)
    grace_days: int
    default_days: int
    funding_channels: list[FundingChannel]
    cover: Cover
    cover_kind: CoverKind = strawberry.field(description="cover.kind.")
    cover_share: str = strawberry.field(description="cover.share.")
    early_repayment: EarlyRepaymentInterest
    transfer: TransferRules | None = strawberry.field(
        description="Null: its notes cannot be resold."
    )
    note_size: Money
    min_investment: Money
    max_investor_share: str = strawberry.field(description="Of a loan, per investor.")
    platform_spread: str
    funding_days: int
    created_at: datetime

    @classmethod
    def of(cls, row: tables.LoanProductRow) -> LoanProduct:
        product, market = product_of(row), marketplace_of(row)
        transfer = product.transfer

        def money(value: int) -> Money:
            return Money.of(DomainMoney(value, row.currency))

        return cls(
            id=to_global_id("LoanProduct", row.id),
            code=row.code,
            version=row.version,
            name=row.name,
            min_amount=money(row.min_amount),
            max_amount=money(row.max_amount),
            min_term_months=row.min_term_months,
            max_term_months=row.max_term_months,
            currency=row.currency,
            repayment_method=RepaymentMethod(row.repayment_method),
            rounding=RoundingMode[product.rounding.name],
            min_rate=rate_text(row.min_rate) or "0",
            max_rate=rate_text(row.max_rate) or "0",
            fees=[
                FeeRule(
                    name=f.name,
                    timing=f.timing,
                    percent=rate_text(f.percent) or "0",
                    fixed=money(f.fixed),
                )
                for f in product.fees
            ],
            penalty_daily_rate=rate_text(product.penalty_daily_rate) or "0",
            grace_days=product.grace_days,
            default_days=product.default_days,
            funding_channels=sorted(product.funding_channels, key=lambda c: c.value),
            cover=Cover.of(product.cover),
            cover_kind=product.cover.kind,
            cover_share=rate_text(product.cover.share) or "0",
            early_repayment=product.early_repayment,
            transfer=None
            if transfer is None
            else TransferRules(
                max_premium=rate_text(transfer.max_premium) or "0",
                min_price_share=rate_text(transfer.min_price_share),
                fee_rate=rate_text(transfer.fee_rate) or "0",
                min_fee=money(transfer.min_fee),
            ),
            note_size=money(market.note_size),
            min_investment=money(market.min_investment),
            max_investor_share=rate_text(market.max_investor_share) or "0",
            platform_spread=rate_text(market.platform_spread) or "0",
            funding_days=market.funding_days,
            created_at=row.created_at,
        )


@strawberry.type
class LoanProductPayload:
    product: LoanProduct | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class ProductMutations:
    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: a new loan product (version 1).")
    @in_unit_of_work
    async def create_loan_product(
        self, info: Info, session: AsyncSession, input: LoanProductInput
    ) -> LoanProductPayload:
        ctx = info.context
        product, market = input.to_domain()
        row = await service.create_loan_product(
            session=session, clock=ctx.clock, actor=ctx.actor, product=product, market=market
        )
        return LoanProductPayload(product=LoanProduct.of(row))

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: the next version of a product; loans already sold keep theirs."
    )
    @in_unit_of_work
    async def update_loan_product(
        self, info: Info, session: AsyncSession, id: strawberry.ID, input: LoanProductInput
    ) -> LoanProductPayload:
        ctx = info.context
        product, market = input.to_domain()
        row = await service.update_loan_product(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            product_id=uuid_of(id, "LoanProduct"),
            product=product,
            market=market,
        )
        return LoanProductPayload(product=LoanProduct.of(row))


@strawberry.type
class ProductQueries:
    @allow(ANYONE)
    @strawberry.field(description="The loan products on offer (each one's current version).")
    async def loan_products(self, info: Info) -> list[LoanProduct]:
        async with info.context.db() as session:
            rows = await service.current_products(session)
        return [LoanProduct.of(row) for row in rows]
