"""Risk thresholds as versioned data, and reading a position against them (pure).

Each threshold bounds one ratio: a coverage (what is held over what it must cover) may not
fall below its floor; a concentration (one party's share of the outstanding principal) may
not rise above its ceiling. A ratio with nothing to cover (a zero denominator) is not read:
no exposure, nothing to breach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction


class Metric(Enum):
    RAILS_COVERAGE = "RAILS_COVERAGE"  # held at the rails / owed to participants
    GUARANTEE_FUND_COVERAGE = "GUARANTEE_FUND_COVERAGE"  # fund / covered principal at risk
    INSURER_COVERAGE = "INSURER_COVERAGE"  # an insurer's balance / its claims at risk
    BORROWER_CONCENTRATION = "BORROWER_CONCENTRATION"  # one borrower's share outstanding
    BANK_CONCENTRATION = "BANK_CONCENTRATION"  # one bank's share of outstanding principal
    CORE_ENTERPRISE_CONCENTRATION = "CORE_ENTERPRISE_CONCENTRATION"


class Bound(Enum):
    FLOOR = "FLOOR"  # breached below
    CEILING = "CEILING"  # breached above


@dataclass(frozen=True, slots=True)
class Threshold:
    metric: Metric
    bound: Bound
    limit: Fraction


@dataclass(frozen=True, slots=True)
class Thresholds:
    version: str
    rules: tuple[Threshold, ...]

    def of(self, metric: Metric) -> Threshold | None:
        return next((t for t in self.rules if t.metric is metric), None)


THRESHOLDS_2026_12_V1 = Thresholds(
    version="risk-thresholds-2026-12-v1",
    rules=(
        Threshold(Metric.RAILS_COVERAGE, Bound.FLOOR, Fraction(1)),
        Threshold(Metric.GUARANTEE_FUND_COVERAGE, Bound.FLOOR, Fraction(1, 10)),
        Threshold(Metric.INSURER_COVERAGE, Bound.FLOOR, Fraction(1, 5)),
        Threshold(Metric.BORROWER_CONCENTRATION, Bound.CEILING, Fraction(1, 5)),
        Threshold(Metric.BANK_CONCENTRATION, Bound.CEILING, Fraction(1, 2)),
        Threshold(Metric.CORE_ENTERPRISE_CONCENTRATION, Bound.CEILING, Fraction(1, 2)),
    ),
)
CURRENT_THRESHOLDS = THRESHOLDS_2026_12_V1


@dataclass(frozen=True, slots=True)
class Exposure:
    """One ratio to read: `part` over `whole`, for `subject` ("" for the platform itself, else
    the participant it concerns)."""

    metric: Metric
    subject: str
    part: int
    whole: int


@dataclass(frozen=True, slots=True)
class Reading:
    metric: Metric
    subject: str
    value: Fraction
    limit: Fraction
    bound: Bound

    @property
    def breached(self) -> bool:
        if self.bound is Bound.FLOOR:
            return self.value < self.limit
        return self.value > self.limit


def read_exposures(
    exposures: Iterable[Exposure], thresholds: Thresholds = CURRENT_THRESHOLDS
) -> list[Reading]:
    """Every exposure with something to cover and a threshold, read against it."""
    readings = []
    for e in exposures:
        rule = thresholds.of(e.metric)
        if rule is None or e.whole <= 0:
            continue
        readings.append(
            Reading(e.metric, e.subject, Fraction(e.part, e.whole), rule.limit, rule.bound)
        )
    return readings
