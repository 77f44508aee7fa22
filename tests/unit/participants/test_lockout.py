"""Failed sign-ins: five free tries, then locks that double from a minute up to an hour."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.participants.lockout import FREE_ATTEMPTS, LONGEST_LOCK, locked_until

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_free_attempts_lock_nothing() -> None:
    assert [locked_until(n, NOW) for n in range(FREE_ATTEMPTS)] == [None] * FREE_ATTEMPTS


def test_locks_double_from_one_minute_and_stop_at_an_hour() -> None:
    locks = [locked_until(FREE_ATTEMPTS + n, NOW) for n in range(8)]

    assert [lock - NOW for lock in locks if lock] == [
        timedelta(minutes=minutes) for minutes in (1, 2, 4, 8, 16, 32, 60, 60)
    ]


@given(st.integers(min_value=0, max_value=10_000))
def test_a_lock_never_shrinks_as_failures_grow_and_never_passes_an_hour(failures: int) -> None:
    this, next_one = locked_until(failures, NOW), locked_until(failures + 1, NOW)

    assert (this is None) or (next_one is not None and next_one >= this)
    assert this is None or this - NOW <= LONGEST_LOCK
