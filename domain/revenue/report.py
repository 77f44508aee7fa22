"""Revenue by stream, day, month or business line, from per-(stream, day) sums (pure).

`earned` is what a stream was credited (fees, spread, commissions), `given_back` what was
debited from it (refunded and reversed fees, partners' shares), `net` the difference: over
all time, a stream's net is its revenue account's balance. Every grouping adds the same
sums, so the total is the same whichever is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain.revenue.business_lines import CURRENT_PLACEMENT, StreamPlacement


class Grouping(Enum):
    STREAM = "STREAM"
    DAY = "DAY"
    MONTH = "MONTH"
    BUSINESS_LINE = "BUSINESS_LINE"


@dataclass(frozen=True, slots=True)
class StreamDay:
    """What `stream` was credited and debited on `day` (a month's first day for MONTH)."""

    stream: str
    day: date
    credited: int
    debited: int


@dataclass(frozen=True, slots=True)
class RevenueLine:
    key: str  # the stream, "2026-12-07", "2026-12" or the business line
    earned: int
    given_back: int

    @property
    def net(self) -> int:
        return self.earned - self.given_back


def key_of(row: StreamDay, by: Grouping, placement: StreamPlacement) -> str:
    if by is Grouping.STREAM:
        return row.stream
    if by is Grouping.DAY:
        return row.day.isoformat()
    if by is Grouping.MONTH:
        return row.day.isoformat()[:7]
    return placement.line_of(row.stream).value


def group_revenue(
    rows: Iterable[StreamDay],
    by: Grouping,
    *,
    streams: Iterable[str] = (),
    placement: StreamPlacement = CURRENT_PLACEMENT,
) -> list[RevenueLine]:
    """One line per key, in key order; by STREAM (or BUSINESS_LINE) every one of `streams`
    has a line, zero if it earned nothing in the period."""
    sums: dict[str, tuple[int, int]] = {}
    if by in (Grouping.STREAM, Grouping.BUSINESS_LINE):
        for stream in streams:
            sums.setdefault(key_of(StreamDay(stream, date.min, 0, 0), by, placement), (0, 0))
    for row in rows:
        key = key_of(row, by, placement)
        earned, given_back = sums.get(key, (0, 0))
        sums[key] = (earned + row.credited, given_back + row.debited)
    return [RevenueLine(key, *sums[key]) for key in sorted(sums)]


def total_of(lines: Iterable[RevenueLine]) -> RevenueLine:
    earned = given_back = 0
    for line in lines:
        earned += line.earned
        given_back += line.given_back
    return RevenueLine("TOTAL", earned, given_back)
