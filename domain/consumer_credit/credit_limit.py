"""A shopper's BNPL credit line: consumed by purchases, restored by principal coming back (pure).

Only principal moves the line: a purchase uses its price; a repayment restores the principal
it repaid (not interest or fees) and a refund the principal it took off the installments.
So after everything is repaid or refunded the line is exactly as before. `used` never goes
below zero, and a purchase never takes it above the limit. The risk engine may lower the
limit below what is used: nothing is available then until enough is repaid.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.money import Money


@dataclass(frozen=True, slots=True)
class CreditLine:
    limit: Money
    used: Money

    def __post_init__(self) -> None:
        if self.limit.minor < 0 or self.used.minor < 0:
            raise ValueError("a credit limit and its use are never negative")
        if self.limit.currency != self.used.currency:
            raise ValueError("a credit line has one currency")

    @property
    def available(self) -> Money:
        return Money(max(0, self.limit.minor - self.used.minor), self.limit.currency)


class CreditLimitExceeded(ValueError):
    """A purchase larger than the credit still available."""


def consume_credit(line: CreditLine, amount: Money) -> CreditLine:
    """The line after a purchase of `amount` (> 0) on credit."""
    if amount.minor <= 0:
        raise ValueError("a purchase on credit must be greater than zero")
    if amount.minor > line.available.minor:
        raise CreditLimitExceeded(
            f"{amount.text()} is more than the {line.available.text()} available"
        )
    return CreditLine(line.limit, line.used + amount)


def restore_credit(line: CreditLine, principal: Money) -> CreditLine:
    """The line after `principal` came back (repaid or refunded); never more than is used."""
    if not 0 <= principal.minor <= line.used.minor:
        raise ValueError("can restore no more principal than the line has in use")
    return CreditLine(line.limit, line.used - principal)


def change_limit(line: CreditLine, limit: Money) -> CreditLine:
    """The line under a new limit from the risk engine; what is in use stays in use."""
    return CreditLine(limit, line.used)
