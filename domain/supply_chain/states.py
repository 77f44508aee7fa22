"""Receivables as explicit transition tables (pure).

An invoice: SUBMITTED -> CONFIRMED (the core enterprise's irrevocable undertaking) |
REJECTED (with a reason); CONFIRMED -> PAID when the core enterprise pays at maturity.

A certificate is a confirmed invoice's transferable claim, or a part of one:
HELD -> SPLIT (into parts, each a new HELD certificate) | FINANCED (a financier bought it
early) | PAID; HELD or FINANCED -> OVERDUE once unpaid after the due date; OVERDUE ->
RECOURSED when, in a programme with recourse, the supplier that sold it repays the
financier (and holds the claim again); OVERDUE or RECOURSED -> PAID.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from domain.supply_chain.errors import ReceivableStateConflict

S = TypeVar("S", bound=Enum)
E = TypeVar("E", bound=Enum)


class InvoiceState(Enum):
    SUBMITTED = "SUBMITTED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    PAID = "PAID"


class InvoiceEvent(Enum):
    CONFIRM = "CONFIRM"
    REJECT = "REJECT"
    PAY = "PAY"


class CertificateState(Enum):
    HELD = "HELD"
    SPLIT = "SPLIT"
    FINANCED = "FINANCED"
    OVERDUE = "OVERDUE"
    RECOURSED = "RECOURSED"
    PAID = "PAID"


class CertificateEvent(Enum):
    SPLIT = "SPLIT"
    FINANCE = "FINANCE"
    FALL_OVERDUE = "FALL_OVERDUE"
    RECOURSE = "RECOURSE"
    PAY = "PAY"


V, VE = InvoiceState, InvoiceEvent
INVOICE_TRANSITIONS: dict[tuple[InvoiceState, InvoiceEvent], InvoiceState] = {
    (V.SUBMITTED, VE.CONFIRM): V.CONFIRMED,
    (V.SUBMITTED, VE.REJECT): V.REJECTED,
    (V.CONFIRMED, VE.PAY): V.PAID,
}
C, CE = CertificateState, CertificateEvent
CERTIFICATE_TRANSITIONS: dict[tuple[CertificateState, CertificateEvent], CertificateState] = {
    (C.HELD, CE.SPLIT): C.SPLIT,
    (C.HELD, CE.FINANCE): C.FINANCED,
    (C.HELD, CE.PAY): C.PAID,
    (C.HELD, CE.FALL_OVERDUE): C.OVERDUE,
    (C.FINANCED, CE.PAY): C.PAID,
    (C.FINANCED, CE.FALL_OVERDUE): C.OVERDUE,
    (C.OVERDUE, CE.RECOURSE): C.RECOURSED,
    (C.OVERDUE, CE.PAY): C.PAID,
    (C.RECOURSED, CE.PAY): C.PAID,
}
del V, VE, C, CE

# Certificates a core enterprise still owes: what its confirmed payables total.
OUTSTANDING = frozenset(
    {
        CertificateState.HELD,
        CertificateState.FINANCED,
        CertificateState.OVERDUE,
        CertificateState.RECOURSED,
    }
)


def _follow(table: dict[tuple[S, E], S], state: S, event: E, what: str, field: str) -> S:
    following = table.get((state, event))
    if following is None:
        raise ReceivableStateConflict(
            f"a {state.value} {what} cannot take {event.value}", field=field
        )
    return following


def invoice_transition(state: InvoiceState, event: InvoiceEvent) -> InvoiceState:
    """The invoice's state after `event`; ReceivableStateConflict if the table has no edge."""
    return _follow(INVOICE_TRANSITIONS, state, event, "invoice", "receivable_id")


def certificate_transition(state: CertificateState, event: CertificateEvent) -> CertificateState:
    """The certificate's state after `event`; ReceivableStateConflict if no edge."""
    return _follow(CERTIFICATE_TRANSITIONS, state, event, "certificate", "certificate_id")
