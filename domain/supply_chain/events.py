"""Supply-chain finance's events: an invoice changed; a certificate changed.

Money is minor units of `currency`; ids are the rows' ids as text; dates ISO text. Each goes
to the supplier, the core enterprise, and the certificate's holder and financier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class ReceivableUpdated(EventPayload):
    """An invoice as it is after the change (REGISTERED, CONFIRMED, REJECTED, CREDITED, PAID)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.RECEIVABLE_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Receivable"

    receivable_id: str
    change: str
    state: str
    supplier_id: str
    buyer_id: str
    invoice_number: str
    currency: str
    amount: int
    due_on: str
    reason: str | None = None


@event_payload
@dataclass(frozen=True)
class CertificateUpdated(EventPayload):
    """A certificate as it is after the change (ISSUED, SPLIT, TRANSFERRED, FINANCED,
    OVERDUE, RECOURSED, PAID, REMINDED)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.CERTIFICATE_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Certificate"

    certificate_id: str
    receivable_id: str
    change: str
    state: str
    holder_id: str
    buyer_id: str
    currency: str
    amount: int
    due_on: str
    days_past_due: int = 0
    bucket: str = "CURRENT"
    penalty_accrued: int = 0
    parent_id: str | None = None
