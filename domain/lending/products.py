"""Loan products: the operator's terms a loan is offered under, and the checks on them.

A product fixes the amount and term ranges, how installments are computed (quote.py's four
methods and rounding), the rate bounds the risk price must fall in, fees, penalties and the
overdue clock, who may fund it and what covers the funders on default. Validation returns
every violation with the field at fault, so an operator's form can mark them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from uuid import UUID

from domain.currencies import MINOR_UNIT_DIGITS
from domain.lending.debt_transfer import TransferRules
from domain.lending.early_repayment import EarlyRepaymentInterest
from domain.lending.fees import FeeRule
from domain.lending.schedule import MAX_TERM_MONTHS, RepaymentMethod, RoundingMode
from domain.money import Money


class FundingChannel(Enum):
    INVESTOR_NOTES = "INVESTOR_NOTES"  # P2P: listed, bought in notes
    BANK_OFFERS = "BANK_OFFERS"  # partner banks' funding offers
    PLATFORM_BOOK = "PLATFORM_BOOK"  # the platform's own money


class CoverKind(Enum):
    NONE = "NONE"
    GUARANTEE = "GUARANTEE"  # a guarantee fund or guarantor pays funders on default
    INSURANCE = "INSURANCE"  # an insurer's credit policy does


@dataclass(frozen=True, slots=True)
class Cover:
    """Who pays a product's funders on default, and how much of what they are still owed.

    A provider (insurer or guarantor) pays from its wallet under the cover offer it published
    and the operator attached (`offer_id`); a guarantee without one is the platform's fund.
    """

    kind: CoverKind = CoverKind.NONE
    share: Decimal = Decimal(0)  # of the funders' outstanding principal at default
    provider_id: UUID | None = None  # None: the platform's guarantee fund (or no cover)
    offer_id: UUID | None = None

    @property
    def payout_kind(self) -> str:
        """How a payout of this cover is named to the funders it pays."""
        if self.kind is CoverKind.GUARANTEE and self.provider_id is None:
            return "GUARANTEE_FUND"
        return self.kind.value


@dataclass(frozen=True, slots=True)
class Violation:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class LoanProduct:
    code: str
    name: str
    currency: str
    min_amount: int
    max_amount: int
    min_term: int
    max_term: int
    method: RepaymentMethod
    min_rate: Decimal
    max_rate: Decimal
    rounding: RoundingMode = RoundingMode.HALF_UP
    fees: tuple[FeeRule, ...] = ()
    penalty_daily_rate: Decimal = Decimal("0.0005")  # 0.05 % a day
    grace_days: int = 3
    default_days: int = 90
    funding_channels: frozenset[FundingChannel] = frozenset({FundingChannel.INVESTOR_NOTES})
    cover: Cover = field(default_factory=Cover)
    early_repayment: EarlyRepaymentInterest = EarlyRepaymentInterest.ACCRUED_TO_DATE
    transfer: TransferRules | None = None  # None: its notes cannot be resold


def product_violations(product: LoanProduct) -> list[Violation]:
    """Everything wrong with a product's definition; empty when it can be offered."""
    p = product
    found = _failed(
        (bool(p.code.strip() and p.name.strip()), "code", "code and name are required"),
        (p.currency in MINOR_UNIT_DIGITS, "currency", "must be an ISO 4217 code"),
        (0 < p.min_amount <= p.max_amount, "min_amount", "must be positive, at most max_amount"),
        (1 <= p.min_term <= p.max_term <= MAX_TERM_MONTHS, "min_term", _TERMS),
        (0 <= p.min_rate <= p.max_rate <= 1, "min_rate", "rates must be 0 <= min <= max <= 1"),
        (0 <= p.penalty_daily_rate <= _MAX_DAILY, "penalty_daily_rate", "at most 0.01 a day"),
        (0 <= p.grace_days < p.default_days, "grace_days", "must be >= 0, below default_days"),
        (bool(p.funding_channels), "funding_channels", "at least one channel"),
        (len({f.name for f in p.fees}) == len(p.fees), "fees", "fee names must be unique"),
    )
    found += [Violation("fees", problem) for rule in p.fees for problem in rule.problems()]
    found += _cover_violations(p.cover)
    if p.transfer is not None:
        found += [Violation("transfer", problem) for problem in p.transfer.problems()]
    return found


def application_violations(
    product: LoanProduct, *, amount: int, term_months: int, annual_rate: Decimal | None = None
) -> list[Violation]:
    """What keeps a loan of these terms out of `product` (the rate once risk has priced it)."""
    p = product
    least, most = Money(p.min_amount, p.currency), Money(p.max_amount, p.currency)
    amounts, terms = f"{least.text()}..{most.text()}", f"{p.min_term}..{p.max_term}"
    rate_ok = annual_rate is None or p.min_rate <= annual_rate <= p.max_rate
    return _failed(
        (p.min_amount <= amount <= p.max_amount, "amount", f"must be within {amounts}"),
        (p.min_term <= term_months <= p.max_term, "term_months", f"must be within {terms}"),
        (rate_ok, "annual_rate", "the risk price is outside the product's rate bounds"),
    )


_TERMS = f"terms must be within 1..{MAX_TERM_MONTHS} months, min at most max"
_MAX_DAILY = Decimal("0.01")


def _failed(*rows: tuple[bool, str, str]) -> list[Violation]:
    return [Violation(field, message) for ok, field, message in rows if not ok]


def _cover_violations(cover: Cover) -> list[Violation]:
    if cover.kind is CoverKind.NONE:
        ok = cover.share == 0 and cover.provider_id is None and cover.offer_id is None
        return [] if ok else [Violation("cover", "no cover takes no share and no provider")]
    found = []
    if not Decimal(0) < cover.share <= 1:
        found.append(Violation("cover.share", "must be within 0..1, above 0"))
    if cover.kind is CoverKind.INSURANCE and cover.provider_id is None:
        found.append(Violation("cover.provider_id", "an insurance cover names its insurer"))
    if cover.provider_id is None and cover.offer_id is not None:
        found.append(Violation("cover.offer_id", "the platform's fund takes no cover offer"))
    return found
