"""The ledger accounts a campaign's money moves through.

Backers' pledges are holds from their wallets into the campaign's escrow (a liability: owed
back to them until the outcome); at success the escrow pays the creator, the platform's fee
(revenue stream `crowdfunding_fee`) and donors' tips (`crowdfunding_tip`), and ends at zero.
"""

from __future__ import annotations

from uuid import UUID

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey

FEE_STREAM = "crowdfunding_fee"
TIP_STREAM = "crowdfunding_tip"


def escrow_key(campaign_id: UUID, currency: str) -> AccountKey:
    return AccountKey(AccountKind.ESCROW, currency, label=f"campaign:{campaign_id}")


def wallet_key(owner_id: UUID, currency: str) -> AccountKey:
    return AccountKey(AccountKind.WALLET, currency, owner_id=owner_id)


def revenue_key(stream: str, currency: str) -> AccountKey:
    return AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=stream)
