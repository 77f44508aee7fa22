"""Refusals of the partners context."""

from domain.errors import DomainError, InvalidInput


class UnknownReferralCode(InvalidInput):
    code = "UNKNOWN_REFERRAL_CODE"


class NotAPartner(DomainError):
    code = "NOT_A_PARTNER"
