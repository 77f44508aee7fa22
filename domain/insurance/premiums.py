"""What a policy costs: the product's premium rule applied to what it insures (pure).

PERCENT: basis points of the insured amount, half-up; FIXED: one amount; BY_GRADE: basis
points by the risk engine's grade of the borrower; BY_RETURN_RATE: a fixed premium by the
merchant's return rate over 90 days (in basis points, bands by their upper bound). The result
is then held within the rule's bounds (`minimum`, `maximum`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from types import MappingProxyType

from domain.insurance.errors import ProductNotOnSale
from domain.money import round_half_up


class PremiumBasis(Enum):
    PERCENT = "PERCENT"
    FIXED = "FIXED"
    BY_GRADE = "BY_GRADE"
    BY_RETURN_RATE = "BY_RETURN_RATE"


@dataclass(frozen=True, slots=True)
class RateBand:
    """Merchants returning at most `up_to_bps` of their sales pay `premium`."""

    up_to_bps: int
    premium: int


@dataclass(frozen=True, slots=True)
class PremiumRule:
    basis: PremiumBasis
    basis_points: int = 0  # PERCENT
    amount: int = 0  # FIXED
    by_grade: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))
    bands: tuple[RateBand, ...] = ()  # BY_RETURN_RATE, rising
    minimum: int = 0
    maximum: int | None = None

    def problems(self) -> list[str]:
        """What is wrong with the rule; empty when it prices."""
        found = []
        b = self.basis
        if b is PremiumBasis.PERCENT and not 0 < self.basis_points <= 10_000:
            found.append("a percent premium is 1..10000 basis points")
        if b is PremiumBasis.FIXED and self.amount <= 0:
            found.append("a fixed premium is positive")
        if b is PremiumBasis.BY_GRADE and (
            not self.by_grade or any(not 0 < bps <= 10_000 for bps in self.by_grade.values())
        ):
            found.append("a premium by grade prices at least one grade, 1..10000 basis points")
        bounds = [band.up_to_bps for band in self.bands]
        if b is PremiumBasis.BY_RETURN_RATE and (
            not self.bands
            or bounds != sorted(set(bounds))
            or bounds[-1] != 10_000
            or any(band.premium <= 0 for band in self.bands)
        ):
            found.append("return-rate bands rise strictly to 10000 basis points, premiums > 0")
        if self.minimum < 0 or (self.maximum is not None and self.maximum < max(self.minimum, 1)):
            found.append("bounds: 0 <= minimum <= maximum, maximum positive")
        return found


def premium(
    rule: PremiumRule,
    *,
    insured: int,
    grade: str | None = None,
    return_rate_bps: int | None = None,
) -> int:
    """The premium of insuring `insured` minor units under `rule`, within its bounds.
    ProductNotOnSale when the rule does not price this buyer (a grade it does not insure)."""
    if insured <= 0:
        raise ValueError("an insured amount is positive")
    match rule.basis:
        case PremiumBasis.PERCENT:
            raw = round_half_up(Fraction(insured * rule.basis_points, 10_000))
        case PremiumBasis.FIXED:
            raw = rule.amount
        case PremiumBasis.BY_GRADE:
            bps = rule.by_grade.get(grade or "")
            if bps is None:
                raise ProductNotOnSale(f"the product does not insure grade {grade}", field="grade")
            raw = round_half_up(Fraction(insured * bps, 10_000))
        case PremiumBasis.BY_RETURN_RATE:
            rate = min(max(return_rate_bps or 0, 0), 10_000)
            raw = next(band.premium for band in rule.bands if rate <= band.up_to_bps)
    bounded = max(raw, rule.minimum)
    return bounded if rule.maximum is None else min(bounded, rule.maximum)
