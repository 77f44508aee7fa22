"""Monthly due dates that keep their day of month (Jan 31 -> Feb 28 -> Mar 31)."""

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """`start` moved by `months`, the day clamped to the length of the target month."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def monthly_due_dates(anchor: date, count: int, *, months_to_first: int = 0) -> list[date]:
    """`count` due dates a month apart, the first `months_to_first` months after `anchor`.

    Every date is computed from the anchor, so its day of month never drifts: a loan taken
    on Jan 31 falls due on Feb 28, Mar 31, Apr 30, ...
    """
    return [add_months(anchor, months_to_first + n) for n in range(count)]
