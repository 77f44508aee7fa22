"""Refusals of the payments context."""

from domain.errors import DomainError


class PaymentStateError(DomainError):
    """The payment is not in a state that allows this (e.g. refunding a held payment)."""

    code = "PAYMENT_STATE"


class RefundTooLarge(DomainError):
    """More than remains of the payment: never refund more than was captured."""

    code = "REFUND_EXCEEDS_REMAINING"


class ExtensionLimitReached(DomainError):
    """The buyer already pushed the escrow's release back as often as the terms allow."""

    code = "EXTENSION_LIMIT_REACHED"
