"""Backoff after failed logins: a few free tries, then locks that double, up to an hour."""

from datetime import datetime, timedelta

FREE_ATTEMPTS = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


def locked_until(failed_attempts: int, now: datetime) -> datetime | None:
    """When the account unlocks after `failed_attempts` consecutive failures (None: not locked)."""
    if failed_attempts < FREE_ATTEMPTS:
        return None
    doublings = min(failed_attempts - FREE_ATTEMPTS, 10)
    lock: timedelta = min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)
    return now + lock
