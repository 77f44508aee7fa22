"""A premium's split between the insurer and the platform, and its refund on cancellation
(pure).

PLATFORM sales: the platform's commission is the premium times its rate, half-up once;
DIRECT sales: the per-policy fee, never more than the premium. The insurer gets the rest, so
the two parts sum to the premium exactly.

A cancellation inside the cooling-off period refunds the whole premium (the commission
reversed with it); later, the premium of the days unused (half-up), days counted as started.
A refund takes from the insurer and the platform in proportion to what each got (largest
remainder), so neither gives back more than it received and the parts sum exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from domain.insurance.products import Distribution, DistributionModel
from domain.money import round_half_up, split_exactly

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PremiumSplit:
    insurer: int
    platform: int

    @property
    def total(self) -> int:
        return self.insurer + self.platform


def split_premium(premium: int, distribution: Distribution) -> PremiumSplit:
    """What of `premium` the insurer and the platform each receive."""
    if premium < 0:
        raise ValueError("a premium is not negative")
    if distribution.model is DistributionModel.PLATFORM:
        platform = round_half_up(Fraction(premium * distribution.commission_bps, 10_000))
    else:
        platform = min(distribution.policy_fee, premium)
    return PremiumSplit(insurer=premium - platform, platform=platform)


def days_used(starts_at: datetime, at: datetime) -> int:
    """Days of cover used by `at`, each started day counted whole (0 before it starts)."""
    if at <= starts_at:
        return 0
    whole, rest = divmod(at - starts_at, DAY)
    return whole + (1 if rest else 0)


def cancellation_refund(
    paid: PremiumSplit, *, term_days: int, used_days: int, cooling_off_days: int
) -> PremiumSplit:
    """What a cancellation after `used_days` gives back, and from whom (see module doc)."""
    if term_days <= 0 or used_days < 0:
        raise ValueError("a term is positive, days used are not negative")
    if used_days <= cooling_off_days:
        return paid
    unused = max(term_days - used_days, 0)
    refund = round_half_up(Fraction(paid.total * unused, term_days))
    if not refund:
        return PremiumSplit(0, 0)
    insurer, platform = split_exactly(refund, [paid.insurer, paid.platform])
    return PremiumSplit(insurer=insurer, platform=platform)
