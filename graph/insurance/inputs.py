"""Inputs of the insurance mutations, and their translation into the use cases' terms."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

import strawberry

from domain.insurance import premiums, products
from domain.money import Money, currency_of, parse_decimal, parse_money
from graph.insurance.types import ClaimDecision, DistributionModel, InsuranceKind, PremiumBasis


def _amount(description: str = "Decimal string in the product's currency.") -> str:
    return strawberry.field(description=description)  # type: ignore[no-any-return]


@strawberry.input
class GradeRateInput:
    grade: str = strawberry.field(description="A risk grade, A..E.")
    basis_points: int


@strawberry.input
class ReturnRateBandInput:
    up_to_basis_points: int = strawberry.field(description="The last band reaches 10000.")
    premium: str = _amount()


@strawberry.input
class FreightBandInput:
    up_to: str = _amount("Refunded payments up to this amount...")
    payout: str = _amount("...pay this much freight.")


@strawberry.input(description="How the premium is priced; the fields of its basis only.")
class PremiumRuleInput:
    basis: PremiumBasis
    basis_points: int = 0
    amount: str | None = None
    by_grade: list[GradeRateInput] = strawberry.field(default_factory=list)
    bands: list[ReturnRateBandInput] = strawberry.field(default_factory=list)
    minimum: str | None = None
    maximum: str | None = None


@strawberry.input(description="A product; publishing a code you sell writes its next version.")
class InsuranceProductInput:
    code: str
    name: str
    kind: InsuranceKind
    currency: str
    premium: PremiumRuleInput
    coverage_share: str = strawberry.field(default="1", description='Of a loss, e.g. "0.8".')
    max_payout: str | None = None
    deductible: str | None = None
    term_days: int = 365
    waiting_days: int = 0
    cooling_off_days: int = 0
    distribution: DistributionModel = DistributionModel.PLATFORM
    commission_basis_points: int = 0
    policy_fee: str | None = None
    min_insured: str | None = None
    max_insured: str | None = None
    freight_table: list[FreightBandInput] = strawberry.field(default_factory=list)
    payout_hours: int = 0


def _minor(text: str | None, currency: str, field: str, default: int = 0) -> int:
    return default if text is None else parse_money(text, currency_of(currency), field=field).minor


def product_terms(input: InsuranceProductInput) -> products.InsuranceTerms:
    c, p = input.currency, input.premium
    currency_of(c)
    rule = premiums.PremiumRule(
        basis=p.basis,
        basis_points=p.basis_points,
        amount=_minor(p.amount, c, "premium.amount"),
        by_grade=MappingProxyType({g.grade: g.basis_points for g in p.by_grade}),
        bands=tuple(
            premiums.RateBand(b.up_to_basis_points, _minor(b.premium, c, "premium.bands"))
            for b in p.bands
        ),
        minimum=_minor(p.minimum, c, "premium.minimum"),
        maximum=None if p.maximum is None else _minor(p.maximum, c, "premium.maximum"),
    )
    return products.InsuranceTerms(
        code=input.code,
        name=input.name,
        kind=input.kind,
        currency=c,
        premium=rule,
        coverage=products.Coverage(
            share=parse_decimal(input.coverage_share, field="coverage_share"),
            max_payout=None
            if input.max_payout is None
            else _minor(input.max_payout, c, "max_payout"),
            deductible=_minor(input.deductible, c, "deductible"),
        ),
        term_days=input.term_days,
        waiting_days=input.waiting_days,
        cooling_off_days=input.cooling_off_days,
        distribution=products.Distribution(
            input.distribution,
            input.commission_basis_points,
            _minor(input.policy_fee, c, "policy_fee"),
        ),
        min_insured=_minor(input.min_insured, c, "min_insured", default=1),
        max_insured=None
        if input.max_insured is None
        else _minor(input.max_insured, c, "max_insured"),
        freight_table=tuple(
            products.FreightBand(
                _minor(b.up_to, c, "freight_table"), _minor(b.payout, c, "freight_table")
            )
            for b in input.freight_table
        ),
        payout_hours=input.payout_hours,
    )


@strawberry.input
class BuyPolicyInput:
    product_id: strawberry.ID
    insured_amount: str = _amount('What the policy insures, e.g. "1000.00".')
    currency: str


@strawberry.input
class FileClaimInput:
    policy_id: strawberry.ID
    loss: str = _amount("What was lost, in the policy's currency.")
    currency: str
    description: str = ""


@strawberry.input
class DecideClaimInput:
    claim_id: strawberry.ID
    decision: ClaimDecision
    amount: str | None = strawberry.field(default=None, description="PARTIAL: what it pays.")
    currency: str | None = None
    reason: str = ""


def money_of(text: str, currency: str, field: str) -> Money:
    return parse_money(text, currency_of(currency), field=field)


def share_of(text: str) -> Decimal:
    return parse_decimal(text, field="coverage_share")
