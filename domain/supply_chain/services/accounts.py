"""The ledger accounts a receivable's money moves through.

Early payment: the financier's bank funding account (what a partner bank advances through
the platform, lending's) pays the holder's wallet the net and the platform's revenue stream
`scf_fee` the service fee. Maturity: the core enterprise's wallet pays the certificate's
owner: a bank's funding account while a bank owns it, else the holder's wallet.
"""

from __future__ import annotations

from domain.ledger.services.account_locks import AccountKey
from domain.lending.services.accounts import bank_funding_key, revenue_key
from domain.supply_chain.tables import Certificate
from domain.wallets.services.accounts import wallet_key

FEE_STREAM = "scf_fee"


def fee_key(currency: str) -> AccountKey:
    return revenue_key(FEE_STREAM, currency)


def owner_key(certificate: Certificate) -> AccountKey:
    """Where the certificate's payment at maturity goes."""
    if certificate.offer_id is not None and certificate.recoursed_at is None:
        return bank_funding_key(certificate.holder_id, certificate.currency)
    return wallet_key(certificate.holder_id, certificate.currency)


__all__ = ["bank_funding_key", "fee_key", "owner_key", "wallet_key"]
