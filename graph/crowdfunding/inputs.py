"""Inputs of the crowdfunding mutations, and their translation into the use cases' terms."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.crowdfunding.services.campaigns import (
    NewCampaign,
    NewDebtTerms,
    NewEquityTerms,
    NewTier,
)
from domain.crowdfunding.services.pledge_checks import PledgeRequest
from domain.money import Money, currency_of, parse_decimal, parse_money
from graph.crowdfunding.types import CampaignKind, FundingModel
from graph.relay import optional_uuid_of, uuid_of


def _amount() -> str:
    """A field of its own for each use: strawberry names a field object once."""
    return strawberry.field(  # type: ignore[no-any-return]
        description='Decimal string in the campaign\'s currency, e.g. "100.00".'
    )


@strawberry.input
class RewardTierInput:
    name: str
    minimum: str = _amount()
    quantity: int | None = strawberry.field(default=None, description="Null: unlimited.")
    estimated_delivery: date | None = None


@strawberry.input(description="EQUITY: the goal is price per share x shares offered.")
class EquityTermsInput:
    price_per_share: str = _amount()
    shares_offered: int
    minimum_raise: str = _amount()
    valuation: str = _amount()


@strawberry.input(description="DEBT: a loan under a lending product at the deadline.")
class DebtTermsInput:
    loan_product_id: strawberry.ID
    annual_rate: str = strawberry.field(description='A decimal fraction, e.g. "0.085".')
    term_months: int


@strawberry.input
class CreateCampaignInput:
    kind: CampaignKind
    funding_model: FundingModel
    goal: str = _amount()
    currency: str
    duration_days: int = strawberry.field(
        description="Days live once approved: 1..60 all-or-nothing, 1..365 keep-it-all."
    )
    title: str
    description: str = ""
    category: str = ""
    tiers: list[RewardTierInput] = strawberry.field(default_factory=list)
    equity: EquityTermsInput | None = None
    debt: DebtTermsInput | None = None


@strawberry.input
class ReviewCampaignInput:
    campaign_id: strawberry.ID
    approve: bool
    reason: str = ""


@strawberry.input
class AmendCampaignInput:
    campaign_id: strawberry.ID
    description: str
    change: str = strawberry.field(description="What changed: every investor must reconfirm.")


@strawberry.input
class PledgeInput:
    campaign_id: strawberry.ID
    amount: str = _amount()
    currency: str
    tier_id: strawberry.ID | None = None
    tip: str | None = strawberry.field(default=None, description="DONATION: for the platform.")
    annual_income: str | None = strawberry.field(
        default=None, description="EQUITY: your declared annual income, for your limit."
    )
    net_worth: str | None = strawberry.field(default=None, description="EQUITY: likewise.")


@strawberry.input
class ReducePledgeInput:
    pledge_id: strawberry.ID
    amount: str = strawberry.field(description="The pledge's new, lower amount.")
    currency: str


@strawberry.input
class RefundPledgeInput:
    pledge_id: strawberry.ID
    amount: str | None = strawberry.field(default=None, description="Null: all that remains.")
    currency: str | None = None


def amount_of(text: str, currency: str, field: str) -> Money:
    return parse_money(text, currency_of(currency), field=field)


def _optional(text: str | None, currency: str, field: str) -> Money | None:
    return None if text is None else amount_of(text, currency, field)


def new_campaign(input: CreateCampaignInput) -> NewCampaign:
    c = input.currency
    equity, debt = input.equity, input.debt
    return NewCampaign(
        kind=input.kind,
        funding_model=input.funding_model,
        goal=amount_of(input.goal, c, "goal"),
        duration_days=input.duration_days,
        title=input.title,
        description=input.description,
        category=input.category,
        tiers=tuple(
            NewTier(
                t.name,
                amount_of(t.minimum, c, "tiers.minimum"),
                t.quantity,
                t.estimated_delivery,
            )
            for t in input.tiers
        ),
        equity=None
        if equity is None
        else NewEquityTerms(
            amount_of(equity.price_per_share, c, "equity.price_per_share"),
            equity.shares_offered,
            amount_of(equity.minimum_raise, c, "equity.minimum_raise"),
            amount_of(equity.valuation, c, "equity.valuation"),
        ),
        debt=None
        if debt is None
        else NewDebtTerms(
            uuid_of(debt.loan_product_id, "LoanProduct"),
            parse_decimal(debt.annual_rate, field="debt.annual_rate"),
            debt.term_months,
        ),
    )


def pledge_request(input: PledgeInput) -> PledgeRequest:
    c = input.currency
    return PledgeRequest(
        campaign_id=uuid_of(input.campaign_id, "Campaign"),
        amount=amount_of(input.amount, c, "amount"),
        tier_id=optional_uuid_of(input.tier_id, "RewardTier"),
        tip=_optional(input.tip, c, "tip"),
        annual_income=_optional(input.annual_income, c, "annual_income"),
        net_worth=_optional(input.net_worth, c, "net_worth"),
    )


def refund_amount(input: RefundPledgeInput) -> Money | None:
    if input.amount is None:
        return None
    return amount_of(input.amount, input.currency or "", "amount")
