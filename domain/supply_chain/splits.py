"""Splitting a confirmed receivable's certificate into transferable parts (pure).

A holder pays its own suppliers with parts of a certificate: each transfer is a positive
amount, the holder keeps what is left (if anything), and the parts sum to the certificate
exactly. A split by shares (weights) is exact by largest remainder (`split_exactly`, equal
remainders to the earlier part). Each part keeps the due date and the core enterprise's
undertaking; only its amount and holder differ.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.money import split_exactly
from domain.supply_chain.errors import SplitRefused

MAX_PARTS = 50


def split_certificate(whole: int, transfers: Sequence[int]) -> list[int]:
    """The parts: `transfers` in order, then the rest kept by the holder when it is not 0.

    SplitRefused for an empty, non-positive or too large list of transfers."""
    if not transfers:
        raise SplitRefused("name at least one part to transfer", field="parts")
    if len(transfers) > MAX_PARTS:
        raise SplitRefused(f"at most {MAX_PARTS} parts at once", field="parts")
    if any(amount <= 0 for amount in transfers):
        raise SplitRefused("every part must be greater than zero", field="parts")
    kept = whole - sum(transfers)
    if kept < 0:
        raise SplitRefused("the parts add up to more than the certificate", field="parts")
    if kept == 0 and len(transfers) == 1:
        raise SplitRefused("a part of the whole is a transfer, not a split", field="parts")
    return [*transfers, kept] if kept else list(transfers)


def split_by_shares(whole: int, shares: Sequence[int]) -> list[int]:
    """`whole` in parts proportional to `shares`, exact; SplitRefused if a part would be 0."""
    if not shares or any(share <= 0 for share in shares):
        raise SplitRefused("every share must be greater than zero", field="parts")
    parts = split_exactly(whole, list(shares))
    if any(part <= 0 for part in parts):
        raise SplitRefused("a part would be zero: fewer parts", field="parts")
    return parts
