"""Fraud and velocity rules: the most severe rule that fires decides; every one is a reason."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.risk.fraud import (
    ApplicationSignals,
    FraudAction,
    FraudRules,
    applications_in_window,
    screen_application,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
RULES = FraudRules()


def hours_ago(*hours: float) -> list[datetime]:
    return [NOW - timedelta(hours=h) for h in hours]


def test_a_first_application_with_nothing_shared_is_allowed() -> None:
    verdict = screen_application(
        ApplicationSignals([], {"phone": 0}, declared_monthly_income=800_000), RULES, now=NOW
    )

    assert verdict.action is FraudAction.ALLOW
    assert verdict.reasons == ()
    assert verdict.rules_version == RULES.version


def test_a_verdict_names_the_rules_that_reached_it() -> None:
    tighter = FraudRules(version="2026-12-f2", applications_to_review=2)

    verdict = screen_application(ApplicationSignals(hours_ago(1)), tighter, now=NOW)

    assert (verdict.action, verdict.rules_version) == (FraudAction.REVIEW, "2026-12-f2")


def test_applications_outside_the_window_do_not_count() -> None:
    earlier = hours_ago(1, 23.9, 24, 30)

    assert applications_in_window(earlier, now=NOW, window=timedelta(hours=24)) == 3


def test_three_applications_in_a_day_go_to_review_six_are_declined() -> None:
    review = screen_application(ApplicationSignals(hours_ago(1, 2)), RULES, now=NOW)
    decline = screen_application(ApplicationSignals(hours_ago(1, 2, 3, 4, 5)), RULES, now=NOW)

    assert review.action is FraudAction.REVIEW
    assert decline.action is FraudAction.DECLINE
    assert decline.reasons[0].code == "APPLICATION_VELOCITY"
    assert decline.reasons[0].text == "6 applications in 24 hours"


def test_identity_shared_across_accounts_gives_a_reason_per_kind_worst_first() -> None:
    signals = ApplicationSignals([], {"device": 1, "document_number": 3, "phone": 0})

    verdict = screen_application(signals, RULES, now=NOW)

    assert verdict.action is FraudAction.DECLINE
    assert [(r.text, r.action) for r in verdict.reasons] == [
        ("document_number shared with 3 other account(s)", FraudAction.DECLINE),
        ("device shared with 1 other account(s)", FraudAction.REVIEW),
    ]


def test_implausible_income_goes_to_review_and_negative_income_is_declined() -> None:
    high = screen_application(
        ApplicationSignals([], declared_monthly_income=RULES.plausible_monthly_income + 1),
        RULES,
        now=NOW,
    )
    negative = screen_application(
        ApplicationSignals([], declared_monthly_income=-1), RULES, now=NOW
    )

    assert (high.action, high.reasons[0].code) == (FraudAction.REVIEW, "INCOME_IMPLAUSIBLE")
    assert negative.action is FraudAction.DECLINE


@given(
    st.lists(st.floats(0, 100), max_size=10),
    st.dictionaries(st.sampled_from(["phone", "device", "bank_card"]), st.integers(0, 5)),
    st.integers(-10, 10**9),
)
def test_the_verdict_is_the_most_severe_reason_and_is_deterministic(
    hours: list[float], shared: dict[str, int], income: int
) -> None:
    signals = ApplicationSignals(hours_ago(*hours), shared, income)

    verdict = screen_application(signals, RULES, now=NOW)
    reversed_input = ApplicationSignals(
        list(reversed(signals.earlier_applications)), dict(reversed(shared.items())), income
    )

    expected = max((r.action for r in verdict.reasons), key=lambda a: a.value, default=None)
    assert verdict.action is (expected or FraudAction.ALLOW)
    assert screen_application(reversed_input, RULES, now=NOW) == verdict
