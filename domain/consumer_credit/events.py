"""BNPL's events about a plan: funded by banks' offers, repaid, installments due.

The same event types as lending's (a subscriber follows both with one subscription), about a
`BnplPlan`; money is minor units of `currency`, ids the rows' ids as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class PlanMatchCreated(EventPayload):
    """A bank's offer took a share of a BNPL purchase's plan."""

    EVENT_TYPE: ClassVar[EventType] = EventType.MATCH_CREATED
    AGGREGATE_TYPE: ClassVar[str] = "BnplPlan"

    plan_id: str
    payment_id: str  # the purchase's payment intent
    funding_id: str  # the bank's claim on the plan
    source_kind: str  # BANK_OFFER
    offer_id: str
    amount: int
    currency: str
    annual_rate: str  # decimal string


@event_payload
@dataclass(frozen=True)
class PlanRepaymentReceived(EventPayload):
    """The shopper paid towards the plan's installments."""

    EVENT_TYPE: ClassVar[EventType] = EventType.REPAYMENT_RECEIVED
    AGGREGATE_TYPE: ClassVar[str] = "BnplPlan"

    plan_id: str
    amount: int  # what was applied
    principal: int
    interest: int
    penalty: int
    currency: str
    plan_state: str  # the plan's state after it


@event_payload
@dataclass(frozen=True)
class PlanInstallmentDue(EventPayload):
    """An installment of the plan is due (or late): a reminder to the shopper."""

    EVENT_TYPE: ClassVar[EventType] = EventType.INSTALLMENT_DUE
    AGGREGATE_TYPE: ClassVar[str] = "BnplPlan"

    plan_id: str
    number: int
    due_date: str  # ISO date
    amount: int  # what it still owes
    currency: str
