"""Who may pay in installments, with how much credit, and on what terms (pure).

A stand-in until a service scores shoppers with the risk engine (domain/risk: score_applicant
gives a grade, a price and a limit, but needs features such as declared income that a
shopper at checkout has not given): a shopper whose identity is verified (KYC level 1 or
more) gets a credit line by level; unverified shoppers are not eligible. Every line records
the rule's version that set it, so lines set by the scorecard later can be told apart.
"""

from __future__ import annotations

from decimal import Decimal

from domain.consumer_credit.plans import BnplProduct

RULE_VERSION = "kyc-level-2026-11"
# Minor units of CNY by KYC level: 5,000.00 for a verified person, 20,000.00 for a business.
LIMIT_BY_KYC_LEVEL = {1: 500_000, 2: 2_000_000}
# The grade partner banks' offers see (their accepted grades), by the same stand-in.
GRADE_BY_KYC_LEVEL = {1: "C", 2: "B"}
# The platform book's product: 15 % a year on the financed price, 2.5 % merchant discount.
PLATFORM_PRODUCT = BnplProduct(
    annual_rate=Decimal("0.15"), merchant_discount_percent=Decimal("2.5")
)


def credit_limit_for(kyc_level: int, currency: str) -> int | None:
    """The limit a shopper at `kyc_level` gets in `currency`; None if not eligible."""
    if currency != "CNY":
        return None  # the only currency the platform book lends in for now
    return LIMIT_BY_KYC_LEVEL.get(min(kyc_level, 2))


def grade_for(kyc_level: int) -> str | None:
    """The risk grade a shopper at `kyc_level` is matched with; None if not eligible."""
    return GRADE_BY_KYC_LEVEL.get(min(kyc_level, 2))
