"""What counted impressions and clicks cost, charged in batches within the budget (pure).

CPM: a thousand impressions cost the price; a batch is charged the difference between what
all impressions so far cost and what was charged before, each rounded half-up on the whole,
so batches never drift from the exact total. CPC: each click costs its price. Never beyond
the budget: a batch that would pass it is charged what is left, and the placement stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from domain.money import round_half_up


class Pricing(Enum):
    CPM = "CPM"  # per thousand impressions
    CPC = "CPC"  # per click


@dataclass(frozen=True, slots=True)
class BatchCharge:
    amount: int
    exhausted: bool  # the budget is spent: the placement stops


def cumulative_cost(pricing: Pricing, units: int, price: int) -> int:
    """What `units` impressions (CPM) or clicks (CPC) cost at `price` in all."""
    if pricing is Pricing.CPM:
        return round_half_up(Fraction(units * price, 1000))
    return units * price


def batch_charge(
    pricing: Pricing, *, units_now: int, price: int, charged: int, budget: int
) -> BatchCharge:
    """The charge for the units counted since the last batch, within what is left."""
    owed = cumulative_cost(pricing, units_now, price) - charged
    left = budget - charged
    amount = max(0, min(owed, left))
    return BatchCharge(amount, charged + amount >= budget)
