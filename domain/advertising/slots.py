"""Who takes a browsing list's promoted slots, and at what price (pure).

CPM and CPC placements compete in one auction: a CPC bid enters at the price a thousand
impressions would bring at the baseline CTR (bid x 1000 x baseline: x10 at 1 %), the quality
rule weighs both alike, and the winner's second price is turned back into its own unit,
rounded up, never above its own bid nor below its unit's reserve. The rule is data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from domain.advertising.auction import QUALITY_2026_12_V1, Bid, QualityRule, run_auction
from domain.advertising.charging import Pricing


@dataclass(frozen=True, slots=True)
class SlotRule:
    version: str
    slots: int  # promoted items at the top of a list
    reserve_cpm: int  # least bid per thousand impressions, minor units
    reserve_cpc: int  # least bid per click
    quality: QualityRule

    @property
    def cpc_factor(self) -> Fraction:
        """What one click's bid is worth per thousand impressions at the baseline CTR."""
        return 1000 * self.quality.baseline_ctr

    def reserve(self, pricing: Pricing) -> int:
        return self.reserve_cpm if pricing is Pricing.CPM else self.reserve_cpc


SLOTS_2026_12_V1 = SlotRule(
    version="ad-slots-2026-12-v1",
    slots=2,
    reserve_cpm=100,  # 1.00 per thousand impressions
    reserve_cpc=10,  # 0.10 per click
    quality=QUALITY_2026_12_V1,
)
CURRENT_SLOTS = SLOTS_2026_12_V1


@dataclass(frozen=True, slots=True)
class Candidate:
    placement_id: str
    pricing: Pricing
    bid: int  # in its own unit: per thousand impressions (CPM) or per click (CPC)
    clicks: int  # counted so far (its quality)
    impressions: int
    created_order: int


@dataclass(frozen=True, slots=True)
class Promotion:
    slot: int  # 0: the top
    placement_id: str
    pricing: Pricing
    price: int  # in its own unit, what it pays (the second price)


def _ecpm(rule: SlotRule, pricing: Pricing, amount: int) -> Fraction:
    return Fraction(amount) if pricing is Pricing.CPM else amount * rule.cpc_factor


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def award_slots(candidates: Sequence[Candidate], rule: SlotRule = CURRENT_SLOTS) -> list[Promotion]:
    """The promoted slots, best first: the second-price auction over every candidate at or
    above its unit's reserve."""
    eligible = [c for c in candidates if c.bid >= rule.reserve(c.pricing)]
    if not eligible:
        return []
    scale = _lcm_denominator(rule, eligible)
    by_id = {c.placement_id: c for c in eligible}
    bids = [
        Bid(
            c.placement_id,
            int(_ecpm(rule, c.pricing, c.bid) * scale),
            rule.quality.quality(c.clicks, c.impressions),
            c.created_order,
        )
        for c in eligible
    ]
    least = min(_ecpm(rule, c.pricing, rule.reserve(c.pricing)) for c in eligible)
    awards = run_auction(bids, slots=rule.slots, reserve=_ceil(least * scale))
    promotions = []
    for award in awards:
        c = by_id[award.placement_id]
        unit = Fraction(award.price, scale) / (rule.cpc_factor if c.pricing is Pricing.CPC else 1)
        price = min(max(_ceil(unit), rule.reserve(c.pricing)), c.bid)
        promotions.append(Promotion(award.slot, c.placement_id, c.pricing, price))
    return promotions


def _lcm_denominator(rule: SlotRule, candidates: Sequence[Candidate]) -> int:
    """A whole multiplier that makes every entering bid an integer (the auction's unit)."""
    return math.lcm(*(_ecpm(rule, c.pricing, c.bid).denominator for c in candidates))
