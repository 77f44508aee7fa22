"""Know-your-customer: a submission's states, and the limits each verification level sets."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from domain.errors import DomainError


class KycStatus(Enum):
    NOT_SUBMITTED = "NOT_SUBMITTED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


class KycDecision(Enum):
    VERIFY = "VERIFY"
    REJECT = "REJECT"


class KycLevel(IntEnum):
    UNVERIFIED = 0
    PERSON = 1  # identity document verified
    BUSINESS = 2  # business licence verified


class DocumentType(Enum):
    RESIDENT_ID = "RESIDENT_ID"  # 居民身份证
    PASSPORT = "PASSPORT"
    BUSINESS_LICENSE = "BUSINESS_LICENSE"  # 统一社会信用代码


# The state machine: (status, event) -> next status. Anything else is refused.
TRANSITIONS: dict[tuple[KycStatus, str], KycStatus] = {
    (KycStatus.NOT_SUBMITTED, "submit"): KycStatus.PENDING,
    (KycStatus.REJECTED, "submit"): KycStatus.PENDING,
    (KycStatus.PENDING, KycDecision.VERIFY.value): KycStatus.VERIFIED,
    (KycStatus.PENDING, KycDecision.REJECT.value): KycStatus.REJECTED,
}


class KycTransitionRefused(DomainError):
    code = "KYC_STATE"


class KycRequired(DomainError):
    """The participant must verify their identity (KYC) before doing this."""

    code = "KYC_REQUIRED"


def next_status(current: KycStatus, event: str) -> KycStatus:
    """The status after `event`; KycTransitionRefused if the machine does not allow it."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise KycTransitionRefused(
            f"cannot {event.lower()} a KYC that is {current.value.lower()}"
        ) from None


def level_for(document: DocumentType) -> KycLevel:
    return KycLevel.BUSINESS if document is DocumentType.BUSINESS_LICENSE else KycLevel.PERSON


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-currency-agnostic caps in minor units; None means no cap, 0 means not allowed."""

    may_withdraw: bool
    daily_withdrawal_minor: int | None
    daily_transfer_minor: int | None
    single_investment_minor: int | None


LIMITS_BY_LEVEL: dict[KycLevel, Limits] = {
    KycLevel.UNVERIFIED: Limits(False, 0, 0, 0),
    KycLevel.PERSON: Limits(True, 5_000_000, 5_000_000, 2_000_000),  # 50,000.00 a day
    KycLevel.BUSINESS: Limits(True, 500_000_000, 500_000_000, None),
}


def limits_for(level: KycLevel) -> Limits:
    """What a participant at `level` may do; the money use cases enforce it."""
    return LIMITS_BY_LEVEL[level]
