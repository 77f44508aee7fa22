"""Business days, for T+1 redemptions (pure): Monday to Friday, less the holidays of the
calendar's version. A pending redemption requested on day D is paid on the first business
day after D (a Friday's on Monday, a Saturday's on Monday too).

Calendars are versioned data: a new year's official holidays are a new version; a fund's
pending redemptions are due by the calendar current when they were requested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SATURDAY = 5


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    version: str
    holidays: frozenset[date]

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        following = day + timedelta(days=1)
        while not self.is_business_day(following):
            following += timedelta(days=1)
        return following


# The statutory days that do not move from year to year (New Year's Day, National Day's
# first three); lunar holidays come with each year's official calendar, as a new version.
CALENDAR_2026_12_V1 = BusinessCalendar(
    version="cn-2026-12-v1",
    holidays=frozenset(
        date(year, month, day)
        for year in (2026, 2027)
        for month, day in ((1, 1), (10, 1), (10, 2), (10, 3))
    ),
)
CURRENT_CALENDAR = CALENDAR_2026_12_V1
