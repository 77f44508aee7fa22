"""Refusals of consumer credit."""

from domain.errors import DomainError


class NotEligible(DomainError):
    """The shopper may not pay in installments (yet): see domain/consumer_credit/eligibility.py."""

    code = "NOT_ELIGIBLE"


class CreditLimitExceeded(DomainError):
    code = "CREDIT_LIMIT_EXCEEDED"
