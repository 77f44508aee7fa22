"""A credit scorecard as data: features with bins worth points, grade cutoffs, prices, limits.

A scorecard is versioned and never edited in place: a change is a new version, so every
stored decision can be explained with the exact points that made it. `scorecard_problems`
states what a well-formed scorecard must satisfy (the scoring rules rely on it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Grade(Enum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    REJECT = "REJECT"


GRADE_ORDER = (Grade.A, Grade.B, Grade.C, Grade.D, Grade.E)  # best first


@dataclass(frozen=True, slots=True)
class Bin:
    """Values below `upper` (exclusive) not taken by an earlier bin; `None`: no upper bound."""

    upper: Decimal | None
    points: int
    label: str


@dataclass(frozen=True, slots=True)
class Feature:
    """One applicant attribute: its bins, ascending by value, and the reason it can cost.

    `higher_is_better` says which way the points must rise: a larger income ratio is worse,
    a longer repayment history better. The reason text is written adverse-action style.
    """

    name: str
    higher_is_better: bool
    bins: tuple[Bin, ...]
    reason_code: str
    reason_text: str

    @property
    def best_points(self) -> int:
        return max(b.points for b in self.bins)

    def bin_for(self, value: Decimal) -> Bin:
        for candidate in self.bins:
            if candidate.upper is None or value < candidate.upper:
                return candidate
        raise ValueError(f"{self.name}: {value} falls beyond the last bin")


@dataclass(frozen=True, slots=True)
class GradeBand:
    """Scores of at least `min_score` (and below the better grade's) get this price and limit."""

    grade: Grade
    min_score: int
    annual_rate: Decimal
    limit: int  # minor units of the scorecard's currency


@dataclass(frozen=True, slots=True)
class Scorecard:
    version: str
    currency: str
    base_points: int
    features: tuple[Feature, ...]
    bands: tuple[GradeBand, ...]  # A first; a score below the last band is rejected
    max_reasons: int = 4

    def band_for(self, score: int) -> GradeBand | None:
        for band in self.bands:
            if score >= band.min_score:
                return band
        return None


def scorecard_problems(card: Scorecard) -> list[str]:
    """Everything that makes `card` unfit to score with; empty when it is well formed."""
    problems: list[str] = []
    names = [f.name for f in card.features]
    codes = [f.reason_code for f in card.features]
    if len(set(names)) != len(names) or len(set(codes)) != len(codes):
        problems.append("feature names and reason codes must be unique")
    for feature in card.features:
        problems += [f"{feature.name}: {p}" for p in _feature_problems(feature)]
    problems += _band_problems(card.bands)
    if card.max_reasons < 1:
        problems.append("max_reasons must be at least 1")
    return problems


def _feature_problems(feature: Feature) -> list[str]:
    if not feature.bins:
        return ["needs at least one bin"]
    problems = []
    uppers = [b.upper for b in feature.bins]
    if uppers[-1] is not None or None in uppers[:-1]:
        problems.append("only the last bin is open-ended, and it must be")
    bounded = [u for u in uppers if u is not None]
    if any(a >= b for a, b in itertools.pairwise(bounded)):
        problems.append("bin bounds must rise strictly")
    points = [b.points for b in feature.bins]
    ordered = points if feature.higher_is_better else points[::-1]
    if any(a > b for a, b in itertools.pairwise(ordered)):
        problems.append("points must not fall as the value gets better")
    return problems


def _band_problems(bands: tuple[GradeBand, ...]) -> list[str]:
    grades = [b.grade for b in bands]
    if not bands or grades != list(GRADE_ORDER[: len(grades)]):
        return ["bands must be A, B, ... in order, without REJECT"]
    problems = []
    pairs = list(itertools.pairwise(bands))
    if any(better.min_score <= worse.min_score for better, worse in pairs):
        problems.append("cutoffs must fall strictly from A down")
    if any(better.annual_rate > worse.annual_rate for better, worse in pairs):
        problems.append("a worse grade must not be priced below a better one")
    if any(better.limit < worse.limit for better, worse in pairs):
        problems.append("a worse grade must not get a larger limit")
    if any(not Decimal(0) <= b.annual_rate <= Decimal(1) or b.limit < 0 for b in bands):
        problems.append("rates must be within 0..1 and limits not negative")
    return problems
