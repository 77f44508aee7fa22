"""How a redemption is paid: at once (T+0) within the investor's daily quota, else T+1 (pure).

An INSTANT redemption is paid at once up to what is left of the investor's instant quota
for the day (per fund, caps.py); the rest becomes a pending redemption, paid on the next
business day (business_days.py). A STANDARD redemption is all pending. Either way the units
stop earning at once (income.py): pending money is set aside, not advanced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Speed(Enum):
    INSTANT = "INSTANT"  # T+0 within the daily quota, the rest T+1
    STANDARD = "STANDARD"  # T+1


@dataclass(frozen=True, slots=True)
class RedemptionSplit:
    instant: int  # paid now
    pending: int  # paid on the next business day

    @property
    def amount(self) -> int:
        return self.instant + self.pending


def split_redemption(amount: int, *, speed: Speed, quota_left: int) -> RedemptionSplit:
    """`amount` split into what is paid now and what is paid on the next business day."""
    if amount <= 0:
        raise ValueError("a redemption is of a positive amount")
    if quota_left < 0:
        raise ValueError("a quota left is never negative")
    instant = min(amount, quota_left) if speed is Speed.INSTANT else 0
    return RedemptionSplit(instant=instant, pending=amount - instant)
