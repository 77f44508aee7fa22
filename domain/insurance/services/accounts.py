"""The ledger accounts insurance money moves through.

A premium leaves the holder's wallet in one journal: the insurer's part to the insurer's
wallet (its account on the platform), the platform's commission to revenue stream
`insurance_commission`. A claim is paid from the insurer's wallet to the beneficiary's.
"""

from __future__ import annotations

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey
from domain.wallets.services.accounts import wallet_key

COMMISSION_STREAM = "insurance_commission"

__all__ = ["COMMISSION_STREAM", "commission_key", "wallet_key"]


def commission_key(currency: str) -> AccountKey:
    return AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=COMMISSION_STREAM)
