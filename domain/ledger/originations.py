"""Which business line a ledger posting's reason originates (pure): what "volume" counts.

A line's volume is the money its originating postings moved: a loan's disbursement or a
note sold on the secondary market (lending), a payment into escrow (payments), a BNPL
purchase paid to the merchant (consumer credit), a campaign's payout to its creator
(crowdfunding). Repayments, fees, refunds, holds and wallet transfers are not volume. The
lines are the revenue report's (domain/revenue/business_lines.py); a new line adds its
originating reason here.
"""

from __future__ import annotations

from types import MappingProxyType

from domain.revenue.business_lines import BusinessLine

ORIGINATING_REASONS: MappingProxyType[str, BusinessLine] = MappingProxyType(
    {
        "LOAN_DISBURSEMENT": BusinessLine.LENDING,
        "NOTE_SALE": BusinessLine.LENDING,
        "PAYMENT": BusinessLine.PAYMENTS,
        "BNPL_PURCHASE": BusinessLine.CONSUMER_CREDIT,
        "CROWDFUNDING_PAYOUT": BusinessLine.CROWDFUNDING,
    }
)
