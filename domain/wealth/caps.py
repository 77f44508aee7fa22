"""A fund's caps, as versioned data (pure): how much one investor may hold, buy in a day,
and redeem at once (T+0) in a day, in the fund's currency. A change is a new version; each
fund keeps the version it was given (an operator moves it to another).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class FundCaps:
    version: str
    currency: str
    holding_cap: int  # minor units one investor may hold in the fund
    daily_purchase_cap: int  # minor units one investor may buy in a day
    instant_daily_quota: int  # minor units one investor may redeem T+0 in a day


CAPS_2026_12_V1 = FundCaps(
    version="mmf-caps-2026-12-v1",
    currency="CNY",
    holding_cap=1_000_000_00,
    daily_purchase_cap=200_000_00,
    instant_daily_quota=10_000_00,
)
VERSIONS = {caps.version: caps for caps in (CAPS_2026_12_V1,)}
CURRENT_CAPS = CAPS_2026_12_V1


def caps_of(version: str) -> FundCaps:
    return VERSIONS[version]


class CapBroken(Enum):
    HOLDING = "HOLDING"
    DAILY_PURCHASE = "DAILY_PURCHASE"


@dataclass(frozen=True, slots=True)
class SubscriptionRoom:
    """Which cap a subscription breaks (None: it fits), and how much would still fit."""

    broken: CapBroken | None
    room: int


def subscription_room(
    caps: FundCaps, *, held: int, bought_today: int, amount: int
) -> SubscriptionRoom:
    """Whether buying `amount` fits the holding cap (with `held`, pending redemptions
    excluded) and the daily purchase cap (with `bought_today`)."""
    if min(held, bought_today) < 0 or amount <= 0:
        raise ValueError("holdings are never negative and a purchase is positive")
    holding_room = max(0, caps.holding_cap - held)
    daily_room = max(0, caps.daily_purchase_cap - bought_today)
    room = min(holding_room, daily_room)
    if amount <= room:
        return SubscriptionRoom(None, room)
    broken = CapBroken.HOLDING if holding_room <= daily_room else CapBroken.DAILY_PURCHASE
    return SubscriptionRoom(broken, room)
