"""Loan products: every violation named with its field; applications checked against them."""

from dataclasses import replace
from decimal import Decimal
from uuid import UUID

from domain.lending.debt_transfer import TransferRules
from domain.lending.fees import FeeRule, FeeTiming
from domain.lending.products import (
    Cover,
    CoverKind,
    FundingChannel,
    LoanProduct,
    Violation,
    application_violations,
    product_violations,
)
from domain.lending.schedule import RepaymentMethod

CASH_LOAN = LoanProduct(
    code="cash-12",
    name="Cash loan",
    currency="CNY",
    min_amount=100_000,
    max_amount=20_000_000,
    min_term=3,
    max_term=24,
    method=RepaymentMethod.EQUAL_INSTALLMENT,
    min_rate=Decimal("0.06"),
    max_rate=Decimal("0.24"),
    fees=(FeeRule("origination", FeeTiming.UPFRONT, percent=Decimal("0.01")),),
    funding_channels=frozenset({FundingChannel.INVESTOR_NOTES, FundingChannel.BANK_OFFERS}),
    cover=Cover(CoverKind.GUARANTEE, Decimal("0.8")),
    transfer=TransferRules(max_premium=Decimal("0.01")),
)


def test_a_sound_product_has_no_violations() -> None:
    assert product_violations(CASH_LOAN) == []


def test_every_broken_field_is_reported_at_once() -> None:
    broken = replace(
        CASH_LOAN,
        code=" ",
        currency="XXX",
        min_amount=0,
        min_term=30,
        min_rate=Decimal("0.3"),
        penalty_daily_rate=Decimal("0.02"),
        grace_days=90,
        funding_channels=frozenset(),
        fees=(
            FeeRule("service", FeeTiming.SPREAD, percent=Decimal(2)),
            FeeRule("service", FeeTiming.UPFRONT),
        ),
        cover=Cover(CoverKind.INSURANCE, Decimal("0.5")),
        transfer=TransferRules(fee_rate=Decimal(1)),
    )

    assert [v.field for v in product_violations(broken)] == [
        "code",
        "currency",
        "min_amount",
        "min_term",
        "min_rate",
        "penalty_daily_rate",
        "grace_days",
        "funding_channels",
        "fees",
        "fees",
        "cover.provider_id",
        "transfer",
    ]


def test_no_cover_means_no_share_and_no_provider() -> None:
    assert product_violations(replace(CASH_LOAN, cover=Cover())) == []
    assert product_violations(replace(CASH_LOAN, cover=Cover(share=Decimal("0.1")))) == [
        Violation("cover", "no cover takes no share and no provider")
    ]


def test_an_application_must_fit_the_amount_term_and_rate_bounds() -> None:
    assert application_violations(CASH_LOAN, amount=100_000, term_months=24) == []
    assert application_violations(
        CASH_LOAN, amount=99_999, term_months=36, annual_rate=Decimal("0.25")
    ) == [
        Violation("amount", "must be within 1000.00 CNY..200000.00 CNY"),
        Violation("term_months", "must be within 3..24"),
        Violation("annual_rate", "the risk price is outside the product's rate bounds"),
    ]


def test_an_insurance_cover_names_the_insurer_and_a_guarantee_may_be_the_platform() -> None:
    insurer = UUID("7d9f6a52-0c1e-4f43-9d8e-2b1c6f3a9e10")
    unnamed = Cover(CoverKind.INSURANCE, Decimal("0.5"), None)
    insured = Cover(CoverKind.INSURANCE, Decimal("0.5"), insurer)
    platform = Cover(CoverKind.GUARANTEE, Decimal("0.8"), None)
    fund_with_offer = Cover(CoverKind.GUARANTEE, Decimal("0.8"), None, insurer)

    assert product_violations(replace(CASH_LOAN, cover=unnamed)) == [
        Violation("cover.provider_id", "an insurance cover names its insurer")
    ]
    assert product_violations(replace(CASH_LOAN, cover=insured)) == []
    assert product_violations(replace(CASH_LOAN, cover=platform)) == []
    assert product_violations(replace(CASH_LOAN, cover=fund_with_offer)) == [
        Violation("cover.offer_id", "the platform's fund takes no cover offer")
    ]
    assert (insured.payout_kind, platform.payout_kind) == ("INSURANCE", "GUARANTEE_FUND")
    assert Cover(CoverKind.GUARANTEE, Decimal(1), insurer).payout_kind == "GUARANTEE"
