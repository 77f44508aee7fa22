"""Which business line a ledger posting's reason originates (pure): what "volume" counts.

A line's volume is the money its originating postings moved: a loan's disbursement, a
payment into escrow, a BNPL purchase paid to the merchant, a campaign's payout to its
creator, a note sold on the secondary market, a wallet-to-wallet transfer. Repayments,
fees, refunds and holds are not volume. A new line adds its originating reason here.
"""

from __future__ import annotations

from enum import Enum


class BusinessLine(Enum):
    LENDING = "LENDING"
    SECONDARY_MARKET = "SECONDARY_MARKET"
    PAYMENTS = "PAYMENTS"
    CONSUMER_CREDIT = "CONSUMER_CREDIT"
    CROWDFUNDING = "CROWDFUNDING"
    WALLET_TRANSFERS = "WALLET_TRANSFERS"


ORIGINATING_REASONS: dict[str, BusinessLine] = {
    "LOAN_DISBURSEMENT": BusinessLine.LENDING,
    "NOTE_SALE": BusinessLine.SECONDARY_MARKET,
    "PAYMENT": BusinessLine.PAYMENTS,
    "BNPL_PURCHASE": BusinessLine.CONSUMER_CREDIT,
    "CROWDFUNDING_PAYOUT": BusinessLine.CROWDFUNDING,
    "P2P": BusinessLine.WALLET_TRANSFERS,
}


def business_line_of(reason: str) -> BusinessLine | None:
    """The line a posting's reason originates, or None when it is not volume."""
    return ORIGINATING_REASONS.get(reason)
