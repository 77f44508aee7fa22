"""The receivable state machines: exactly the edges of the tables, every other pair refused."""

from __future__ import annotations

import itertools

import pytest

from domain.supply_chain.errors import ReceivableStateConflict
from domain.supply_chain.states import (
    CERTIFICATE_TRANSITIONS,
    INVOICE_TRANSITIONS,
    OUTSTANDING,
    CertificateEvent,
    CertificateState,
    InvoiceEvent,
    InvoiceState,
    certificate_transition,
    invoice_transition,
)

V, VE = InvoiceState, InvoiceEvent
C, CE = CertificateState, CertificateEvent
EXPECTED_INVOICE = {
    (V.SUBMITTED, VE.CONFIRM): V.CONFIRMED,
    (V.SUBMITTED, VE.REJECT): V.REJECTED,
    (V.CONFIRMED, VE.PAY): V.PAID,
}
EXPECTED_CERTIFICATE = {
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


@pytest.mark.parametrize(("state", "event"), list(itertools.product(V, VE)))
def test_every_invoice_state_and_event_pair(state: InvoiceState, event: InvoiceEvent) -> None:
    if (state, event) in EXPECTED_INVOICE:
        assert invoice_transition(state, event) is EXPECTED_INVOICE[(state, event)]
    else:
        with pytest.raises(ReceivableStateConflict):
            invoice_transition(state, event)


@pytest.mark.parametrize(("state", "event"), list(itertools.product(C, CE)))
def test_every_certificate_state_and_event_pair(
    state: CertificateState, event: CertificateEvent
) -> None:
    if (state, event) in EXPECTED_CERTIFICATE:
        assert certificate_transition(state, event) is EXPECTED_CERTIFICATE[(state, event)]
    else:
        with pytest.raises(ReceivableStateConflict):
            certificate_transition(state, event)


def test_the_tables_are_exactly_the_expected_ones() -> None:
    assert INVOICE_TRANSITIONS == EXPECTED_INVOICE
    assert CERTIFICATE_TRANSITIONS == EXPECTED_CERTIFICATE


def test_paid_rejected_and_split_are_final() -> None:
    assert {s for s, _ in INVOICE_TRANSITIONS} & {V.PAID, V.REJECTED} == set()
    assert {s for s, _ in CERTIFICATE_TRANSITIONS} & {C.PAID, C.SPLIT} == set()


def test_the_core_enterprise_owes_every_certificate_not_paid_nor_split() -> None:
    assert frozenset(C) - OUTSTANDING == {C.PAID, C.SPLIT}
