"""Insurance products: what an insurer sells on the platform, and the checks on it (pure).

A product fixes its kind, the premium rule (premiums.py), the coverage (share of the loss,
maximum payout, deductible), the term, the waiting period (no claim before it ends), the
cooling-off period (a cancellation inside it refunds the whole premium) and the distribution
model: PLATFORM sales earn the platform its commission rate of every premium, DIRECT sales
(the insurer under its own name) a fixed fee per policy, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from domain.currencies import MINOR_UNIT_DIGITS
from domain.insurance.premiums import PremiumRule


class ProductKind(Enum):
    CREDIT = "CREDIT"  # pays a loan's funders on its default
    RETURN_SHIPPING = "RETURN_SHIPPING"  # pays the shopper's return freight on a refund
    PURCHASE_PROTECTION = "PURCHASE_PROTECTION"
    TERM = "TERM"  # anything else, for a term


class DistributionModel(Enum):
    PLATFORM = "PLATFORM"  # the platform sells it: commission_bps of each premium
    DIRECT = "DIRECT"  # the insurer sells it: the platform takes policy_fee per policy (or 0)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a claim pays: `share` of the loss less `deductible`, at most `max_payout` over
    the policy's life (None: the insured amount times the share)."""

    share: Decimal = Decimal(1)
    max_payout: int | None = None
    deductible: int = 0


@dataclass(frozen=True, slots=True)
class Distribution:
    model: DistributionModel = DistributionModel.PLATFORM
    commission_bps: int = 0  # PLATFORM: 1500 = 15 % of the premium
    policy_fee: int = 0  # DIRECT: minor units per policy, at most the premium


@dataclass(frozen=True, slots=True)
class FreightBand:
    """Parametric return-shipping cover: a refund of a payment up to `up_to` pays `payout`."""

    up_to: int
    payout: int


@dataclass(frozen=True, slots=True)
class InsuranceTerms:
    code: str
    name: str
    kind: ProductKind
    currency: str
    premium: PremiumRule
    coverage: Coverage = field(default_factory=Coverage)
    term_days: int = 365
    waiting_days: int = 0
    cooling_off_days: int = 0
    distribution: Distribution = field(default_factory=Distribution)
    min_insured: int = 1
    max_insured: int | None = None
    freight_table: tuple[FreightBand, ...] = ()  # RETURN_SHIPPING: by the payment's amount
    payout_hours: int = 0  # parametric products: paid within this many hours of the event


@dataclass(frozen=True, slots=True)
class Violation:
    field: str
    message: str


MAX_TERM_DAYS = 3660


def product_violations(terms: InsuranceTerms) -> list[Violation]:
    """Everything wrong with a product's definition; empty when it can be sold."""
    t, d, c = terms, terms.distribution, terms.coverage
    rows = [
        (bool(t.code.strip() and t.name.strip()), "code", "code and name are required"),
        (len(t.code) <= 40 and len(t.name) <= 120, "code", "code ≤ 40, name ≤ 120 characters"),
        (t.currency in MINOR_UNIT_DIGITS, "currency", "must be an ISO 4217 code"),
        (1 <= t.term_days <= MAX_TERM_DAYS, "term_days", f"must be within 1..{MAX_TERM_DAYS}"),
        (0 <= t.waiting_days < t.term_days, "waiting_days", "must be >= 0, below term_days"),
        (
            0 <= t.cooling_off_days <= t.term_days,
            "cooling_off_days",
            "must be >= 0, at most term_days",
        ),
        (Decimal(0) < c.share <= 1, "coverage.share", "must be within 0..1, above 0"),
        (c.max_payout is None or c.max_payout > 0, "coverage.max_payout", "must be positive"),
        (c.deductible >= 0, "coverage.deductible", "must not be negative"),
        (0 <= d.commission_bps <= 10_000, "distribution.commission_bps", "within 0..10000"),
        (d.policy_fee >= 0, "distribution.policy_fee", "must not be negative"),
        (
            d.model is DistributionModel.PLATFORM or d.commission_bps == 0,
            "distribution.commission_bps",
            "a DIRECT sale pays a per-policy fee, no commission",
        ),
        (
            d.model is DistributionModel.DIRECT or d.policy_fee == 0,
            "distribution.policy_fee",
            "a PLATFORM sale pays a commission, no per-policy fee",
        ),
        (
            t.min_insured > 0 and (t.max_insured is None or t.min_insured <= t.max_insured),
            "min_insured",
            "must be positive, at most max_insured",
        ),
        (0 <= t.payout_hours <= 720, "payout_hours", "must be within 0..720"),
    ]
    found = [Violation(name, message) for ok, name, message in rows if not ok]
    found += [Violation("premium", problem) for problem in t.premium.problems()]
    found += _freight_violations(t)
    return found


def _freight_violations(terms: InsuranceTerms) -> list[Violation]:
    table = terms.freight_table
    if terms.kind is not ProductKind.RETURN_SHIPPING:
        return [] if not table else [Violation("freight_table", "only return shipping has one")]
    if not table:
        return [Violation("freight_table", "return shipping pays by a freight table")]
    bounds = [band.up_to for band in table]
    if bounds != sorted(set(bounds)) or any(
        b <= 0 or band.payout <= 0 for b, band in zip(bounds, table, strict=True)
    ):
        return [Violation("freight_table", "bands rise strictly, every bound and payout positive")]
    return []
