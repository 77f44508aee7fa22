"""The retry schedule: about a day of backoff with jitter, then the delivery fails for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.webhooks.retry_schedule import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    next_attempt_at,
    should_disable,
    succeeded,
)

T0 = datetime(2027, 1, 1, tzinfo=UTC)


def test_the_schedule_is_standard_webhooks_like_and_spans_about_a_day() -> None:
    assert [d.total_seconds() for d in RETRY_DELAYS] == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    ]
    assert timedelta(hours=24) <= sum(RETRY_DELAYS, timedelta()) <= timedelta(hours=28)
    assert MAX_ATTEMPTS == 8


def test_without_jitter_each_retry_waits_its_turn() -> None:
    at, moments = T0, []
    for attempts in range(1, MAX_ATTEMPTS):
        retry = next_attempt_at(attempts, at, jitter=0.5)
        assert retry is not None
        moments.append(retry - at)
        at = retry

    assert moments == list(RETRY_DELAYS)


def test_after_the_last_attempt_there_is_no_retry() -> None:
    assert next_attempt_at(MAX_ATTEMPTS, T0, jitter=0.5) is None


@given(
    attempts=st.integers(min_value=1, max_value=MAX_ATTEMPTS - 1),
    jitter=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_jitter_stays_within_a_fifth_of_the_delay(attempts: int, jitter: float) -> None:
    retry = next_attempt_at(attempts, T0, jitter)
    delay = RETRY_DELAYS[attempts - 1]

    assert retry is not None
    assert delay * 0.8 <= retry - T0 <= delay * 1.2


@pytest.mark.parametrize("attempts", [0, -1])
def test_the_schedule_starts_after_a_failed_attempt(attempts: int) -> None:
    with pytest.raises(ValueError, match="attempts_made"):
        next_attempt_at(attempts, T0, 0.5)


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (200, True),
        (204, True),
        (299, True),
        (301, False),
        (304, False),
        (400, False),
        (429, False),
        (500, False),
        (None, False),
    ],
)
def test_only_2xx_is_a_delivery(status: int | None, ok: bool) -> None:
    assert succeeded(status) is ok


def test_an_endpoint_is_disabled_after_failing_for_the_whole_period() -> None:
    after = timedelta(days=5)

    assert not should_disable(None, T0, after)
    assert not should_disable(T0, T0 + after - timedelta(seconds=1), after)
    assert should_disable(T0, T0 + after, after)
    assert not should_disable(T0, T0 + timedelta(days=365), None)
