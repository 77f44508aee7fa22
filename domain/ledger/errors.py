"""Refusals of the ledger."""

from domain.errors import DomainError


class InsufficientFunds(DomainError):
    code = "INSUFFICIENT_FUNDS"


class CurrencyMismatch(DomainError):
    code = "CURRENCY_MISMATCH"


class AccountFrozen(DomainError):
    code = "ACCOUNT_FROZEN"


class HoldNotPending(DomainError):
    """The hold was already posted, voided or expired: it resolves at most once."""

    code = "HOLD_NOT_PENDING"


class HoldExpired(DomainError):
    code = "HOLD_EXPIRED"
