"""A partner's share of one month's revenue from its referred participants (pure).

Each stream's exact share is its net revenue (fees earned less fees refunded or reversed,
which may be negative) times the agreement's rate; the month's share is their sum rounded
half-up once; it is then divided among the streams by largest remainder: every stream's part
is its exact share rounded down, and the units left go one each to the largest fractional
remainders (ties to the earlier stream), so the parts sum to the total exactly and none is a
whole unit off its exact share. A negative part is booked back from the partner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.money import round_half_up

BASIS_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class StreamShare:
    stream: str
    revenue: int  # net revenue from the partner's referred participants
    share: int  # the partner's part of it


def partner_shares(revenues: Sequence[tuple[str, int]], share_bps: int) -> list[StreamShare]:
    """(stream, net revenue) pairs -> each stream's part of the rounded total share."""
    exact = [Fraction(net * share_bps, BASIS_POINTS) for _, net in revenues]
    total = round_half_up(sum(exact, Fraction(0)))
    parts = [q.numerator // q.denominator for q in exact]  # floor, negatives included
    left = total - sum(parts)
    ranked = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for index in ranked[:left]:
        parts[index] += 1
    return [
        StreamShare(stream, net, part) for (stream, net), part in zip(revenues, parts, strict=True)
    ]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
