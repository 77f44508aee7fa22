"""Exact splits of an amount by the largest-remainder method: the parts sum to the whole.

Each part first gets the floor of its exact share; the units left over go one each to the
largest remainders. Ties go to the larger weight, then to the earlier position, so a split
never depends on anything but its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence


def split_by_weights(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` minor units in proportion to `weights`, summing exactly to `amount`."""
    if amount < 0 or any(weight < 0 for weight in weights):
        raise ValueError("amounts and weights must not be negative")
    total = sum(weights)
    if total == 0:
        if amount:
            raise ValueError("cannot split a positive amount by zero weights")
        return [0] * len(weights)
    parts: list[int] = []
    remainders: list[tuple[int, int, int]] = []
    for position, weight in enumerate(weights):
        part, remainder = divmod(amount * weight, total)
        parts.append(part)
        remainders.append((-remainder, -weight, position))
    for _, _, position in sorted(remainders)[: amount - sum(parts)]:
        parts[position] += 1
    return parts


def split_evenly(amount: int, count: int) -> list[int]:
    """`amount` in `count` parts differing by at most one unit; the earlier parts carry more."""
    if count < 1:
        raise ValueError("need at least one part")
    return split_by_weights(amount, [1] * count)
