"""Scoring: points, grade, price and limit from the scorecard's data; adverse reasons."""

from dataclasses import fields, replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.risk.default_scorecard import DEFAULT_SCORECARD
from domain.risk.features import ApplicantFeatures
from domain.risk.score import score_applicant
from domain.risk.scorecard import GRADE_ORDER, Grade

CARD = DEFAULT_SCORECARD


def make_applicant(**overrides: int) -> ApplicantFeatures:
    values = {
        "kyc_level": 1,
        "declared_monthly_income": 1_000_000,  # 10,000.00
        "monthly_repayment_burden": 300_000,  # 30 %
        "loans_repaid_on_time": 0,
        "overdue_count": 0,
        "payments_last_90_days": 5,
        "account_age_days": 60,
        "platform_debt": 0,
    }
    return ApplicantFeatures(**{**values, **overrides})


applicants = st.builds(
    ApplicantFeatures,
    kyc_level=st.integers(0, 2),
    declared_monthly_income=st.integers(0, 10**8),
    monthly_repayment_burden=st.integers(0, 10**8),
    loans_repaid_on_time=st.integers(0, 50),
    overdue_count=st.integers(0, 50),
    payments_last_90_days=st.integers(0, 500),
    account_age_days=st.integers(0, 5000),
    platform_debt=st.integers(0, 10**9),
)
# How to make each fact better for the applicant (a step in the direction the card prefers).
IMPROVEMENTS = {
    "kyc_level": lambda a, n: replace(a, kyc_level=min(2, a.kyc_level + n)),
    "declared_monthly_income": lambda a, n: replace(
        a, declared_monthly_income=a.declared_monthly_income + n * 10_000
    ),
    "monthly_repayment_burden": lambda a, n: replace(
        a, monthly_repayment_burden=max(0, a.monthly_repayment_burden - n * 10_000)
    ),
    "loans_repaid_on_time": lambda a, n: replace(
        a, loans_repaid_on_time=a.loans_repaid_on_time + n
    ),
    "overdue_count": lambda a, n: replace(a, overdue_count=max(0, a.overdue_count - n)),
    "payments_last_90_days": lambda a, n: replace(
        a, payments_last_90_days=a.payments_last_90_days + n
    ),
    "account_age_days": lambda a, n: replace(a, account_age_days=a.account_age_days + n),
    "platform_debt": lambda a, n: replace(a, platform_debt=max(0, a.platform_debt - n * 100_000)),
}


def test_a_typical_verified_newcomer_scores_c_with_the_price_and_limit_of_c() -> None:
    decision = score_applicant(make_applicant(), CARD)

    # 380 base + 60 KYC + 70 ratio 30 % + 0 history + 60 no overdue + 20 activity + 20 age + 40
    assert decision.score == 650
    assert decision.grade is Grade.C
    assert (decision.annual_rate, decision.limit, decision.currency) == (
        Decimal("0.1250"),
        5_000_000,
        "CNY",
    )
    assert decision.scorecard_version == "2026-11-v1"
    assert [r.code for r in decision.reasons] == [
        "REPAYMENT_HISTORY",  # 70 lost
        "ACCOUNT_AGE",  # 35
        "DEBT_TO_INCOME",  # 30
        "LOW_ACTIVITY",  # 25
    ]
    assert [r.points_lost for r in decision.reasons] == [70, 35, 30, 25]


def test_the_best_applicant_gets_a_and_no_reasons() -> None:
    best = make_applicant(
        kyc_level=2,
        monthly_repayment_burden=0,
        loans_repaid_on_time=10,
        payments_last_90_days=100,
        account_age_days=1000,
    )

    decision = score_applicant(best, CARD)

    assert decision.grade is Grade.A
    assert decision.score == 380 + 70 + 100 + 70 + 60 + 45 + 55 + 40
    assert decision.reasons == ()
    assert all(p.points_lost == 0 for p in decision.points)


def test_a_poor_record_is_rejected_with_no_price_and_no_limit() -> None:
    decision = score_applicant(
        make_applicant(declared_monthly_income=0, overdue_count=5, platform_debt=50_000_000),
        CARD,
    )

    assert decision.grade is Grade.REJECT
    assert not decision.approved
    assert (decision.annual_rate, decision.limit) == (None, 0)
    assert [(r.code, r.points_lost) for r in decision.reasons[:2]] == [
        ("DEBT_TO_INCOME", 160),
        ("OVERDUE_HISTORY", 140),
    ]


def test_equal_losses_are_reported_in_the_scorecard_order() -> None:
    # KYC level 1 and a small platform debt both lose 10: KYC comes first in the card.
    decision = score_applicant(
        make_applicant(
            platform_debt=100, loans_repaid_on_time=6, payments_last_90_days=0, account_age_days=400
        ),
        CARD,
    )

    assert [(r.code, r.points_lost) for r in decision.reasons] == [
        ("LOW_ACTIVITY", 45),
        ("DEBT_TO_INCOME", 30),
        ("KYC_LEVEL", 10),
        ("EXISTING_DEBT", 10),
    ]


@given(applicants)
def test_the_score_is_base_plus_the_points_of_each_feature(applicant: ApplicantFeatures) -> None:
    decision = score_applicant(applicant, CARD)

    assert decision.score == CARD.base_points + sum(p.points for p in decision.points)
    assert [p.feature for p in decision.points] == [f.name for f in CARD.features]
    assert decision == score_applicant(applicant, CARD)  # deterministic


@given(applicants)
def test_reasons_come_only_from_features_that_lost_points_largest_loss_first(
    applicant: ApplicantFeatures,
) -> None:
    decision = score_applicant(applicant, CARD)
    pairs = zip(CARD.features, decision.points, strict=True)
    lost = {feature.reason_code: points.points_lost for feature, points in pairs}

    assert all(lost[r.code] == r.points_lost > 0 for r in decision.reasons)
    assert len(decision.reasons) == min(CARD.max_reasons, sum(1 for v in lost.values() if v))
    assert [r.points_lost for r in decision.reasons] == sorted(
        (r.points_lost for r in decision.reasons), reverse=True
    )
    left_out = set(lost) - {r.code for r in decision.reasons}
    assert all(
        lost[code] <= decision.reasons[-1].points_lost for code in left_out if decision.reasons
    )


@given(applicants, st.sampled_from(sorted(IMPROVEMENTS)), st.integers(1, 1000))
def test_a_better_fact_never_lowers_the_score_nor_the_grade(
    applicant: ApplicantFeatures, fact: str, steps: int
) -> None:
    better = IMPROVEMENTS[fact](applicant, steps)

    before, after = score_applicant(applicant, CARD), score_applicant(better, CARD)

    assert after.score >= before.score
    assert grade_rank(after.grade) <= grade_rank(before.grade)
    assert after.limit >= before.limit


@given(applicants)
def test_grades_follow_the_cutoffs(applicant: ApplicantFeatures) -> None:
    decision = score_applicant(applicant, CARD)

    qualifying = [band for band in CARD.bands if decision.score >= band.min_score]
    assert decision.grade is (qualifying[0].grade if qualifying else Grade.REJECT)
    if decision.approved:
        band = qualifying[0]
        assert (decision.annual_rate, decision.limit) == (band.annual_rate, band.limit)


def grade_rank(grade: Grade) -> int:
    return GRADE_ORDER.index(grade) if grade in GRADE_ORDER else len(GRADE_ORDER)


def test_the_improvements_cover_every_fact() -> None:
    assert set(IMPROVEMENTS) == {f.name for f in fields(ApplicantFeatures)}
