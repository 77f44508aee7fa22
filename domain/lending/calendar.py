"""Monthly due dates that keep their day of month (Jan 31 -> Feb 28 -> Mar 31)."""

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """`start` moved by `months`, the day clamped to the length of the target month."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def monthly_due_dates(first_due: date, count: int) -> list[date]:
    """`count` due dates a month apart, each anchored to `first_due` so days never drift."""
    return [add_months(first_due, n) for n in range(count)]
