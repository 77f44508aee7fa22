"""Score an applicant against a scorecard: points, grade, price, limit and reason codes.

Reason codes follow adverse-action practice: the features that cost the most points
against their best bin, largest loss first (ties in the scorecard's feature order), so
the same applicant always hears the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.risk.features import ApplicantFeatures
from domain.risk.scorecard import Feature, Grade, Scorecard


@dataclass(frozen=True, slots=True)
class FeaturePoints:
    feature: str
    value: Decimal
    bin_label: str
    points: int
    points_lost: int  # below the feature's best bin


@dataclass(frozen=True, slots=True)
class ReasonCode:
    code: str
    text: str
    points_lost: int


@dataclass(frozen=True, slots=True)
class CreditDecision:
    scorecard_version: str
    score: int
    grade: Grade
    annual_rate: Decimal | None  # None when rejected
    limit: int  # minor units of `currency`; 0 when rejected
    currency: str
    reasons: tuple[ReasonCode, ...]
    points: tuple[FeaturePoints, ...]  # every feature, in the scorecard's order

    @property
    def approved(self) -> bool:
        return self.grade is not Grade.REJECT


def score_applicant(features: ApplicantFeatures, scorecard: Scorecard) -> CreditDecision:
    """The decision `scorecard` makes for `features`; the same input always decides alike."""
    points = tuple(_points_for(features, feature) for feature in scorecard.features)
    score = scorecard.base_points + sum(p.points for p in points)
    band = scorecard.band_for(score)
    return CreditDecision(
        scorecard_version=scorecard.version,
        score=score,
        grade=band.grade if band else Grade.REJECT,
        annual_rate=band.annual_rate if band else None,
        limit=band.limit if band else 0,
        currency=scorecard.currency,
        reasons=_top_reasons(scorecard, points),
        points=points,
    )


def _points_for(features: ApplicantFeatures, feature: Feature) -> FeaturePoints:
    value = features.value_of(feature.name)
    chosen = feature.bin_for(value)
    return FeaturePoints(
        feature=feature.name,
        value=value,
        bin_label=chosen.label,
        points=chosen.points,
        points_lost=feature.best_points - chosen.points,
    )


def _top_reasons(scorecard: Scorecard, points: tuple[FeaturePoints, ...]) -> tuple[ReasonCode, ...]:
    ranked = sorted(
        (
            (-p.points_lost, position, feature)
            for position, (p, feature) in enumerate(zip(points, scorecard.features, strict=True))
            if p.points_lost > 0
        ),
        key=lambda item: (item[0], item[1]),
    )
    return tuple(
        ReasonCode(feature.reason_code, feature.reason_text, -lost)
        for lost, _, feature in ranked[: scorecard.max_reasons]
    )
