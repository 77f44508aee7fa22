"""Kinds of ledger account, and the balance limits each kind carries."""

from __future__ import annotations

from enum import Enum

from domain.ledger.balances import Limits


class AccountKind(Enum):
    # Liabilities to participants: credits raise them; they may never go below zero.
    WALLET = "WALLET"  # a participant's money on the platform, per currency
    ESCROW = "ESCROW"  # money held for a buyer until the goods arrive (担保交易)
    # The platform's own books.
    PLATFORM_REVENUE = "PLATFORM_REVENUE"  # per revenue stream: fees, spread, management fees
    GUARANTEE_FUND = "GUARANTEE_FUND"
    LOAN_RECEIVABLE = "LOAN_RECEIVABLE"  # principal lent and not yet repaid (an asset)
    BANK_FUNDING = "BANK_FUNDING"  # what a partner bank has advanced through the platform
    PLATFORM_BOOK = "PLATFORM_BOOK"  # what the platform lent of its own money, and got back
    # The outside world: money entering and leaving through payment rails (an asset side).
    SETTLEMENT = "SETTLEMENT"
    ADJUSTMENT = "ADJUSTMENT"  # the operator's corrections, always with a reason


# Wallet-like accounts must not be overdrawn; revenue and funds likewise hold only what they
# received. Settlement and receivables are assets: their debits lead, so no limit applies.
LIMITS: dict[AccountKind, Limits] = {
    AccountKind.WALLET: Limits(debits_must_not_exceed_credits=True),
    AccountKind.ESCROW: Limits(debits_must_not_exceed_credits=True),
    AccountKind.PLATFORM_REVENUE: Limits(debits_must_not_exceed_credits=True),
    AccountKind.GUARANTEE_FUND: Limits(debits_must_not_exceed_credits=True),
    AccountKind.LOAN_RECEIVABLE: Limits(credits_must_not_exceed_debits=True),
    AccountKind.BANK_FUNDING: Limits(),
    AccountKind.PLATFORM_BOOK: Limits(),  # its capacity is the book's, checked when it lends
    AccountKind.SETTLEMENT: Limits(),
    AccountKind.ADJUSTMENT: Limits(),
}
