"""Account balances and the effect of each kind of transfer on them (pure).

An account keeps four running sums in minor units, as TigerBeetle does: debits and credits,
each pending (reserved by a hold) or posted. A hold (pending transfer) is later posted, in
full or in part (the rest is released), or voided; it is never changed in place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class TransferKind(Enum):
    POSTED = "POSTED"  # single-phase: moves money at once
    PENDING = "PENDING"  # a hold: reserves money on both sides
    POST_PENDING = "POST_PENDING"  # resolves a hold: moves up to its amount, releases the rest
    VOID_PENDING = "VOID_PENDING"  # resolves a hold: releases all of it


@dataclass(frozen=True, slots=True)
class Balances:
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    @property
    def credit_balance(self) -> int:
        """Posted credits minus posted debits: what a wallet (a liability to its owner) holds."""
        return self.credits_posted - self.debits_posted

    @property
    def available_credit(self) -> int:
        """What a wallet may still spend: its balance less what holds reserve."""
        return self.credits_posted - self.debits_posted - self.debits_pending


@dataclass(frozen=True, slots=True)
class Limits:
    """Which side may not outgrow the other (wallets: debits never exceed credits)."""

    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False

    def allow(self, balances: Balances) -> bool:
        b = balances
        if (
            self.debits_must_not_exceed_credits
            and b.debits_pending + b.debits_posted > b.credits_posted
        ):
            return False
        return not (
            self.credits_must_not_exceed_debits
            and b.credits_pending + b.credits_posted > b.debits_posted
        )


def apply(
    kind: TransferKind, debit: Balances, credit: Balances, amount: int, held: int = 0
) -> tuple[Balances, Balances]:
    """(debit side, credit side) after a transfer of `amount`; `held` is the hold's amount
    when resolving one (POST_PENDING moves `amount` <= `held` and releases the rest)."""
    if amount < 0 or held < 0:
        raise ValueError("amounts are never negative")
    if kind is TransferKind.POSTED:
        return (
            replace(debit, debits_posted=debit.debits_posted + amount),
            replace(credit, credits_posted=credit.credits_posted + amount),
        )
    if kind is TransferKind.PENDING:
        return (
            replace(debit, debits_pending=debit.debits_pending + amount),
            replace(credit, credits_pending=credit.credits_pending + amount),
        )
    if kind is TransferKind.POST_PENDING:
        if amount > held:
            raise ValueError("cannot post more than the hold")
        return (
            replace(
                debit,
                debits_pending=debit.debits_pending - held,
                debits_posted=debit.debits_posted + amount,
            ),
            replace(
                credit,
                credits_pending=credit.credits_pending - held,
                credits_posted=credit.credits_posted + amount,
            ),
        )
    return (
        replace(debit, debits_pending=debit.debits_pending - held),
        replace(credit, credits_pending=credit.credits_pending - held),
    )
