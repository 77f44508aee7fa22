"""BNPL eligibility from the risk engine: who is approved, referred or declined, and the limit
rule (a grade's cap, a multiple of income, whole units): well formed, monotone, bounded."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.consumer_credit.eligibility import (
    BNPL_LIMIT_RULE,
    DECISION_VALIDITY,
    BnplDecisionStatus,
    GradeLimit,
    bnpl_credit_limit,
    bnpl_verdict,
    decision_is_current,
    limit_rule_problems,
)
from domain.risk.fraud import FraudAction
from domain.risk.scorecard import GRADE_ORDER, Grade

incomes = st.integers(min_value=-1_000_000, max_value=10**12)
grades = st.sampled_from(list(Grade))


def test_the_rule_in_force_is_well_formed() -> None:
    assert limit_rule_problems(BNPL_LIMIT_RULE) == []


def test_a_rule_that_gives_a_worse_grade_more_is_refused() -> None:
    a, b, *rest = BNPL_LIMIT_RULE.limits
    generous_b = GradeLimit(Grade.B, a.cap + 100, b.income_multiple)
    assert limit_rule_problems(replace(BNPL_LIMIT_RULE, limits=(a, generous_b, *rest)))
    assert limit_rule_problems(replace(BNPL_LIMIT_RULE, limits=(b, a, *rest)))
    assert limit_rule_problems(replace(BNPL_LIMIT_RULE, step=0))


@pytest.mark.parametrize(
    ("grade", "fraud", "status"),
    [
        (g, f, BnplDecisionStatus.DECLINED)
        for g in Grade
        for f in FraudAction
        if g is Grade.REJECT or f is FraudAction.DECLINE
    ]
    + [(g, FraudAction.REVIEW, BnplDecisionStatus.REVIEW) for g in GRADE_ORDER]
    + [(g, FraudAction.ALLOW, BnplDecisionStatus.APPROVED) for g in GRADE_ORDER],
)
def test_every_grade_and_fraud_verdict_has_one_status(
    grade: Grade, fraud: FraudAction, status: BnplDecisionStatus
) -> None:
    verdict = bnpl_verdict(BNPL_LIMIT_RULE, grade, fraud, 400_000)
    assert verdict.status is status
    assert (verdict.limit > 0) == (status is BnplDecisionStatus.APPROVED)


@given(grade=grades, fraud=st.sampled_from(list(FraudAction)), income=incomes)
def test_a_line_is_approved_only_with_a_limit_and_never_without_the_engine(
    grade: Grade, fraud: FraudAction, income: int
) -> None:
    verdict = bnpl_verdict(BNPL_LIMIT_RULE, grade, fraud, income)
    approved = verdict.status is BnplDecisionStatus.APPROVED
    assert approved == (verdict.limit > 0)
    if approved:
        assert grade is not Grade.REJECT
        assert fraud is FraudAction.ALLOW
        assert verdict.limit == bnpl_credit_limit(BNPL_LIMIT_RULE, grade, income)


def test_a_passing_grade_without_income_is_declined_with_its_reason() -> None:
    verdict = bnpl_verdict(BNPL_LIMIT_RULE, Grade.E, FraudAction.ALLOW, 0)
    assert verdict.status is BnplDecisionStatus.DECLINED
    assert [r["code"] for r in verdict.extra_reasons] == ["NO_INCOME"]


def test_the_limit_is_the_smaller_of_the_cap_and_the_income_multiple() -> None:
    # grade C: 1.5 months of income, at most 20,000.00; whole yuan, rounded down
    assert bnpl_credit_limit(BNPL_LIMIT_RULE, Grade.C, 400_000) == 600_000
    assert bnpl_credit_limit(BNPL_LIMIT_RULE, Grade.C, 333_367) == 500_000
    assert bnpl_credit_limit(BNPL_LIMIT_RULE, Grade.C, 5_000_000) == 2_000_000
    assert bnpl_credit_limit(BNPL_LIMIT_RULE, Grade.REJECT, 5_000_000) == 0
    assert bnpl_credit_limit(BNPL_LIMIT_RULE, Grade.A, 0) == 0


@given(grade=grades, income=incomes)
def test_a_limit_is_whole_units_within_the_cap_and_the_income_multiple(
    grade: Grade, income: int
) -> None:
    limit = bnpl_credit_limit(BNPL_LIMIT_RULE, grade, income)
    band = BNPL_LIMIT_RULE.for_grade(grade)
    assert limit >= 0
    assert limit % BNPL_LIMIT_RULE.step == 0
    if band is None or income <= 0:
        assert limit == 0
    else:
        assert limit <= band.cap
        assert limit <= Decimal(income) * band.income_multiple
        assert Decimal(income) * band.income_multiple - limit < BNPL_LIMIT_RULE.step or (
            limit == band.cap
        )


@given(
    income=incomes, more=st.integers(0, 10**9), worse=st.integers(0, 4), better=st.integers(0, 4)
)
def test_more_income_or_a_better_grade_never_lowers_the_limit(
    income: int, more: int, worse: int, better: int
) -> None:
    better, worse = min(better, worse), max(better, worse)
    rule = BNPL_LIMIT_RULE
    assert bnpl_credit_limit(rule, GRADE_ORDER[worse], income) <= bnpl_credit_limit(
        rule, GRADE_ORDER[worse], income + more
    )
    assert bnpl_credit_limit(rule, GRADE_ORDER[worse], income) <= bnpl_credit_limit(
        rule, GRADE_ORDER[better], income
    )


def test_a_decision_holds_for_thirty_days() -> None:
    decided = datetime(2026, 11, 1, tzinfo=UTC)
    assert timedelta(days=30) == DECISION_VALIDITY
    assert decision_is_current(decided, decided)
    assert decision_is_current(decided, decided + DECISION_VALIDITY - timedelta(microseconds=1))
    assert not decision_is_current(decided, decided + DECISION_VALIDITY)
    assert not decision_is_current(decided, decided - timedelta(seconds=1))
