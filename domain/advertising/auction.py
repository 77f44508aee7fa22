"""The second-price auction for promoted slots, with a quality rule in data (pure).

Each competing placement bids a price per unit (per click, or per thousand impressions) and
has a quality (how often its ads are clicked, smoothed toward a prior). They are ranked by
bid x quality (ties: the earlier placement, then its id). The winner of each slot pays the
least that keeps it above the next one: the next one's bid x its quality / the winner's
quality, rounded up, plus one minor unit; never more than its own bid. With equal quality
that is the runner-up's bid plus one unit. Nobody after it: it pays the reserve price.
Promotion changes display order only, never what anything costs elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class QualityRule:
    """quality = smoothed CTR / baseline CTR, within [floor, ceiling]."""

    version: str
    prior_clicks: int
    prior_impressions: int
    baseline_ctr: Fraction
    floor: Fraction
    ceiling: Fraction

    def quality(self, clicks: int, impressions: int) -> Fraction:
        smoothed = Fraction(clicks + self.prior_clicks, impressions + self.prior_impressions)
        return min(max(smoothed / self.baseline_ctr, self.floor), self.ceiling)


QUALITY_2026_12_V1 = QualityRule(
    version="ad-quality-2026-12-v1",
    prior_clicks=1,
    prior_impressions=100,  # a new placement counts as 1 % CTR
    baseline_ctr=Fraction(1, 100),
    floor=Fraction(1, 10),
    ceiling=Fraction(10),
)


@dataclass(frozen=True, slots=True)
class Bid:
    placement_id: str
    bid: int  # minor units per click (CPC) or per thousand impressions (CPM)
    quality: Fraction
    created_order: int  # earlier placements win ties


@dataclass(frozen=True, slots=True)
class SlotAward:
    slot: int  # 0: the top
    placement_id: str
    price: int  # what one unit costs it


def _rank(bid: Bid) -> tuple[Fraction, int, str]:
    return (-(bid.bid * bid.quality), bid.created_order, bid.placement_id)


def run_auction(bids: Sequence[Bid], *, slots: int, reserve: int) -> list[SlotAward]:
    """The winners of `slots` slots, best first, each with its second price. Bids below the
    reserve do not take part."""
    eligible = sorted((b for b in bids if b.bid >= reserve and b.quality > 0), key=_rank)
    awards = []
    for slot, winner in enumerate(eligible[:slots]):
        after = eligible[slot + 1] if slot + 1 < len(eligible) else None
        if after is None:
            price = reserve
        else:
            needed = after.bid * after.quality / winner.quality
            price = -(-needed.numerator // needed.denominator) + 1  # rounded up, plus a unit
        awards.append(SlotAward(slot, winner.placement_id, min(max(price, reserve), winner.bid)))
    return awards
