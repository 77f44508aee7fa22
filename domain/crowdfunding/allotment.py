"""Shares allotted to an equity campaign's investors at success (pure).

Each pledge asks for amount / price shares (pledges are whole shares). When the asks fit the
shares offered, each gets what it asked. When oversubscribed, the shares offered are shared
pro rata to the asks by largest remainder: each gets its exact quota rounded down, and the
shares left over go one each to the largest fractional remainders, equal remainders to the
earlier pledge (pledges are passed oldest first). So the allotments sum to exactly the
shares offered, no one gets more than asked or less than its quota rounded down, and each
investor pays shares x price: the rest of its hold is released.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.money import split_exactly


def allot_shares(*, shares_offered: int, price_per_share: int, amounts: Sequence[int]) -> list[int]:
    """Shares for each pledge of `amounts` (oldest first), as the module doc says."""
    if shares_offered <= 0 or price_per_share <= 0:
        raise ValueError("an offering has shares and a price")
    if any(amount <= 0 or amount % price_per_share for amount in amounts):
        raise ValueError("every pledge buys a whole, positive number of shares")
    asks = [amount // price_per_share for amount in amounts]
    if sum(asks) <= shares_offered:
        return asks
    return split_exactly(shares_offered, asks)
