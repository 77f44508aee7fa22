"""The ledger accounts a receivable's money moves through.

Early payment: the financier's account (a partner bank's funding account, lending's; or the
platform book's, label "supply_chain", where an operator allows the book) pays the holder's
wallet the net and the platform's revenue stream `scf_fee` the service fee. Maturity: the
core enterprise's wallet pays the certificate's owner: the financier's account while a
financier owns it, else the holder's wallet.
"""

from __future__ import annotations

from uuid import UUID

from domain.ledger.services.account_locks import AccountKey
from domain.lending.services.accounts import bank_funding_key, platform_book_key, revenue_key
from domain.lending.services.platform_book import PLATFORM_ID
from domain.supply_chain.tables import Certificate
from domain.wallets.services.accounts import wallet_key

FEE_STREAM = "scf_fee"
BOOK = "supply_chain"  # the platform book's account for what it discounts


def fee_key(currency: str) -> AccountKey:
    return revenue_key(FEE_STREAM, currency)


def financier_key(financier_id: UUID, currency: str) -> AccountKey:
    """What a financier pays early payments from and is repaid into: a bank's funding
    account, or the platform book's."""
    if financier_id == PLATFORM_ID:
        return platform_book_key(currency, BOOK)
    return bank_funding_key(financier_id, currency)


def owner_key(certificate: Certificate) -> AccountKey:
    """Where the certificate's payment at maturity goes."""
    if certificate.offer_id is not None and certificate.recoursed_at is None:
        return financier_key(certificate.holder_id, certificate.currency)
    return wallet_key(certificate.holder_id, certificate.currency)


__all__ = ["fee_key", "financier_key", "owner_key", "wallet_key"]
