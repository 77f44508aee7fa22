"""Who may pay in installments, and with how much credit: the risk engine's decision read for
BNPL (pure).

The shopper is scored by lending's scorecard (domain/risk) on the facts Agora holds, BNPL
plans included. A BNPL line is open only when the scorecard grades A..E and the fraud and
velocity rules allow it: a REVIEW verdict refers the shopper to a person, a REJECT grade or a
DECLINE verdict declines. The limit is a rule in data (`BnplLimitRule`, versioned like the
scorecard; a change is a new version):

    limit = min(cap[grade], monthly_income × income_multiple[grade]), rounded down to `step`

where `monthly_income` is what the shopper declared, or last declared to Agora (0 if never:
the scorecard then weighs the burden against no income). A passing grade whose limit comes
to zero (no income) is declined with NO_INCOME. A decision holds for DECISION_VALIDITY;
after that the next checkout decides again (or the shopper asks).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import Enum

from domain.risk.fraud import FraudAction
from domain.risk.scorecard import GRADE_ORDER, Grade

DECISION_VALIDITY = timedelta(days=30)


class BnplDecisionStatus(Enum):
    APPROVED = "APPROVED"  # a line with the decision's limit
    REVIEW = "REVIEW"  # referred: the fraud rules want a person to look first
    DECLINED = "DECLINED"


@dataclass(frozen=True, slots=True)
class GradeLimit:
    grade: Grade
    cap: int  # minor units of the rule's currency
    income_multiple: Decimal  # months of declared income


@dataclass(frozen=True, slots=True)
class BnplLimitRule:
    version: str
    currency: str
    step: int  # limits are whole multiples of it (100: whole yuan)
    limits: tuple[GradeLimit, ...]  # A first

    def for_grade(self, grade: Grade) -> GradeLimit | None:
        return next((g for g in self.limits if g.grade is grade), None)


BNPL_LIMITS_2026_11_V1 = BnplLimitRule(
    version="bnpl-limits-2026-11-v1",
    currency="CNY",
    step=100,
    limits=(
        GradeLimit(Grade.A, 5_000_000, Decimal("3")),
        GradeLimit(Grade.B, 3_000_000, Decimal("2")),
        GradeLimit(Grade.C, 2_000_000, Decimal("1.5")),
        GradeLimit(Grade.D, 1_000_000, Decimal("1")),
        GradeLimit(Grade.E, 500_000, Decimal("0.5")),
    ),
)
BNPL_LIMIT_RULE = BNPL_LIMITS_2026_11_V1


# Added to the scorecard's reasons when a passing grade earns no credit: no income to size it.
NO_INCOME_REASON = {
    "code": "NO_INCOME",
    "text": "No income declared to set a limit by",
    "points_lost": 0,
}


@dataclass(frozen=True, slots=True)
class BnplVerdict:
    status: BnplDecisionStatus
    limit: int  # minor units; 0 unless APPROVED
    extra_reasons: tuple[dict[str, object], ...] = ()


def bnpl_verdict(
    rule: BnplLimitRule, grade: Grade, fraud: FraudAction, monthly_income: int
) -> BnplVerdict:
    """What the scorecard's grade, the fraud verdict and the income make of a request: a line
    only when the grade passes, the fraud rules allow it and the limit is above zero."""
    if grade is Grade.REJECT or fraud is FraudAction.DECLINE:
        return BnplVerdict(BnplDecisionStatus.DECLINED, 0)
    if fraud is FraudAction.REVIEW:
        return BnplVerdict(BnplDecisionStatus.REVIEW, 0)
    limit = bnpl_credit_limit(rule, grade, monthly_income)
    if limit == 0:
        return BnplVerdict(BnplDecisionStatus.DECLINED, 0, (NO_INCOME_REASON,))
    return BnplVerdict(BnplDecisionStatus.APPROVED, limit)


def bnpl_credit_limit(rule: BnplLimitRule, grade: Grade, monthly_income: int) -> int:
    """The line `grade` and `monthly_income` (minor units) earn under `rule`; 0 when rejected."""
    band = rule.for_grade(grade)
    if band is None or monthly_income <= 0:
        return 0
    by_income = (Decimal(monthly_income) * band.income_multiple / rule.step).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return min(band.cap // rule.step, int(by_income)) * rule.step


def decision_is_current(decided_at: datetime, now: datetime) -> bool:
    """Whether a decision made at `decided_at` may still set a line at `now`."""
    return decided_at <= now < decided_at + DECISION_VALIDITY


def limit_rule_problems(rule: BnplLimitRule) -> list[str]:
    """Everything that makes `rule` unfit to set limits with; empty when well formed."""
    problems = []
    if [g.grade for g in rule.limits] != list(GRADE_ORDER[: len(rule.limits)]) or not rule.limits:
        problems.append("limits must be A, B, ... in order, without REJECT")
    if rule.step <= 0:
        problems.append("the step must be positive")
    if any(
        g.cap < 0 or not g.income_multiple.is_finite() or g.income_multiple < 0 for g in rule.limits
    ):
        problems.append("caps and multiples must not be negative")
    for better, worse in itertools.pairwise(rule.limits):
        if better.cap < worse.cap or better.income_multiple < worse.income_multiple:
            problems.append(f"{worse.grade.value} must not get more than {better.grade.value}")
    return problems
