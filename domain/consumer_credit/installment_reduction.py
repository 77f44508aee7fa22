"""A refund of a BNPL purchase: outstanding installments shrink, last first (pure).

Affirm's rule: what the merchant refunds first pays off the buyer's outstanding principal,
taking it from the last installment backwards, so the next installment due stays as it
was. An installment's unpaid interest falls in proportion to the principal taken off it
(no principal, no interest: all of it once nothing is owed). What the refund exceeds the
outstanding principal by was already repaid by the buyer and goes back to the wallet.
Interest already paid is kept by the funder unless the product says it is refunded; then the
buyer gets back the share of it that the refunds make of the price, rounded down, so the
total returned never passes what was paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from domain.money import Money, round_half_up


@dataclass(frozen=True, slots=True)
class OpenInstallment:
    """What is still owed on one installment (zero once it is paid)."""

    number: int
    principal_due: Money
    interest_due: Money


@dataclass(frozen=True, slots=True)
class InstallmentReduction:
    installments: tuple[OpenInstallment, ...]  # the same installments, after the refund
    principal_reduced: Money  # off the outstanding principal: restores the credit limit
    interest_waived: Money  # unpaid interest cancelled with it
    interest_refunded: Money  # interest already paid, given back (if the product says so)
    to_wallet: Money  # the refund beyond the outstanding principal, plus interest_refunded


@dataclass(frozen=True, slots=True)
class PaidInterest:
    """Interest the buyer paid so far, and how much of it earlier refunds gave back."""

    paid: Money
    refunded_before: Money


@dataclass(frozen=True, slots=True)
class PurchaseRefunds:
    """The purchase's price and what was refunded before; `paid_interest` only when the
    product refunds paid interest."""

    price: Money
    refunded_before: Money
    paid_interest: PaidInterest | None = None


class RefundExceedsPurchase(ValueError):
    """A refund of more than is left of the purchase (or of nothing)."""


def reduce_installments_for_refund(
    installments: Sequence[OpenInstallment], *, refund: Money, purchase: PurchaseRefunds
) -> InstallmentReduction:
    """The installments after refunding `refund` of the purchase, and where the money goes."""
    currency = refund.currency
    if purchase.price.currency != currency:
        raise ValueError(f"a refund in {currency} of a purchase in {purchase.price.currency}")
    remaining = purchase.price.minor - purchase.refunded_before.minor
    if not 0 < refund.minor <= remaining:
        raise RefundExceedsPurchase(
            "a refund must be more than 0 and at most the "
            f"{Money(remaining, currency).text()} not yet refunded"
        )
    left = refund.minor
    waived = 0
    reduced: list[OpenInstallment] = list(installments)
    for index in sorted(range(len(reduced)), key=lambda i: reduced[i].number, reverse=True):
        item = reduced[index]
        take = min(left, item.principal_due.minor)
        if take == 0:
            continue
        principal = item.principal_due.minor - take
        interest = round_half_up(item.interest_due.minor * Fraction(principal, take + principal))
        waived += item.interest_due.minor - interest
        reduced[index] = replace(
            item, principal_due=Money(principal, currency), interest_due=Money(interest, currency)
        )
        left -= take
    if all(item.principal_due.minor == 0 for item in reduced):
        waived += sum(item.interest_due.minor for item in reduced)
        reduced = [replace(item, interest_due=Money(0, currency)) for item in reduced]
    interest_back = _paid_interest_refund(purchase, refund)
    return InstallmentReduction(
        installments=tuple(reduced),
        principal_reduced=Money(refund.minor - left, currency),
        interest_waived=Money(waived, currency),
        interest_refunded=Money(interest_back, currency),
        to_wallet=Money(left + interest_back, currency),
    )


def _paid_interest_refund(purchase: PurchaseRefunds, refund: Money) -> int:
    """floor(paid · refunded / price), less what was already given back; never negative."""
    interest = purchase.paid_interest
    if interest is None:
        return 0
    refunded = purchase.refunded_before.minor + refund.minor
    owed = interest.paid.minor * refunded // purchase.price.minor
    return max(0, owed - interest.refunded_before.minor)
