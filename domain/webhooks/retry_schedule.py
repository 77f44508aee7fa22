"""When a failed delivery is tried again: a Standard-Webhooks-like schedule, about a day long.

The first attempt goes at once; after each failure the next waits the delay of its turn,
stretched or shrunk by up to 20 % at random so that an endpoint coming back up is not hit
by every delivery that failed together in the same second.
"""

from __future__ import annotations

from datetime import datetime, timedelta

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2


def next_attempt_at(attempts_made: int, failed_at: datetime, jitter: float) -> datetime | None:
    """When to try again after `attempts_made` attempts all failed; None once they are spent.

    `jitter` is a number in [0, 1) (random.random()), so the schedule itself stays pure.
    """
    if attempts_made < 1:
        raise ValueError("attempts_made counts the attempt that just failed")
    if attempts_made >= MAX_ATTEMPTS:
        return None
    if not 0 <= jitter < 1:
        raise ValueError("jitter is in [0, 1)")
    delay = RETRY_DELAYS[attempts_made - 1]
    return failed_at + delay * (1 - JITTER + 2 * JITTER * jitter)


def succeeded(status_code: int | None) -> bool:
    """Only a 2xx answer is a delivery; redirects are not followed and count as failures."""
    return status_code is not None and 200 <= status_code < 300


def should_disable(failing_since: datetime | None, now: datetime, after: timedelta | None) -> bool:
    """An endpoint that has failed every delivery for `after` is switched off (None: never)."""
    return after is not None and failing_since is not None and now - failing_since >= after
