"""Lending's events about a loan: matched with funders, funded, repaid, due, defaulted.

Money is minor units of `currency`; ids are the rows' ids as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, Upgrade, event_payload


@event_payload
@dataclass(frozen=True)
class LoanMatchCreated(EventPayload):
    """A funder (investor or bank offer) was matched with a listed loan."""

    EVENT_TYPE: ClassVar[EventType] = EventType.MATCH_CREATED
    AGGREGATE_TYPE: ClassVar[str] = "Loan"

    loan_id: str
    match_id: str
    source_kind: str  # what funded it: an investor's bid, auto-invest, a bank offer
    amount: int
    currency: str
    annual_rate: str  # decimal string, e.g. "0.085"


@event_payload
@dataclass(frozen=True)
class LoanFunded(EventPayload):
    """The loan was fully funded and disbursed to the borrower."""

    EVENT_TYPE: ClassVar[EventType] = EventType.LOAN_FUNDED
    AGGREGATE_TYPE: ClassVar[str] = "Loan"

    loan_id: str
    principal: int
    currency: str
    disbursed: int  # what reached the borrower's wallet: the principal less upfront fees
    funders: int  # how many notes funded it


@event_payload
@dataclass(frozen=True)
class LoanRepaymentReceived(EventPayload):
    """Money was received on a loan (a repayment on its schedule, or a recovery after
    default) and allocated. The last four fields say what only one kind has (else null)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.REPAYMENT_RECEIVED
    AGGREGATE_TYPE: ClassVar[str] = "Loan"

    loan_id: str
    repayment_id: str
    kind: str  # MANUAL, AUTO_DEBIT, RECOVERY
    amount: int
    principal: int
    interest: int
    penalty: int
    fees: int
    currency: str
    loan_state: str  # the loan's state after it
    principal_prepaid: int | None = None  # a repayment: principal paid ahead of schedule
    rescheduled: bool | None = None  # a repayment: the installments not yet due rewritten
    to_cover: int | None = None  # a recovery: what went back to the cover provider
    to_funders: int | None = None  # a recovery: what went to the note holders


@event_payload
@dataclass(frozen=True)
class LoanInstallmentDue(EventPayload):
    """An installment of the loan is due (or late): a reminder to the borrower."""

    EVENT_TYPE: ClassVar[EventType] = EventType.INSTALLMENT_DUE
    AGGREGATE_TYPE: ClassVar[str] = "Loan"

    loan_id: str
    number: int
    due_date: str  # ISO date
    amount: int  # what it still owes
    currency: str


def _defaulted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 had no paid_by, cover_due nor shortfall, and named the platform's fund "platform"."""
    covered = data["covered"]
    provider = data.get("cover_provider")
    return {
        **data,
        "paid_by": data.get("paid_by"),
        "cover_provider": None if provider == "platform" else provider,
        "cover_due": data.get("cover_due", covered),
        "shortfall": data.get("shortfall", 0),
    }


@event_payload
@dataclass(frozen=True)
class LoanDefaulted(EventPayload):
    """The loan passed the default threshold: what was outstanding, covered, written off."""

    EVENT_TYPE: ClassVar[EventType] = EventType.LOAN_DEFAULTED
    AGGREGATE_TYPE: ClassVar[str] = "Loan"
    UPGRADES: ClassVar[dict[int, Upgrade]] = {1: _defaulted_v1_to_v2}

    loan_id: str
    outstanding: int
    covered: int
    written_off: int
    cover_kind: str  # NONE, INSURANCE, GUARANTEE, ...
    paid_by: str | None  # INSURANCE, GUARANTEE or GUARANTEE_FUND; null when nothing was paid
    cover_provider: str | None  # the participant who paid; null for the platform's fund
    cover_due: int  # what the cover owed
    shortfall: int  # what it owed and could not pay (its account held too little)
    currency: str
