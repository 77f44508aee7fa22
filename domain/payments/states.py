"""The payment intent's life as an explicit transition table (pure).

    requires_payment ─PAY─▶ processing ─HOLD─▶ held ─RELEASE─▶ released       (escrow)
                                       ─SUCCEED─▶ succeeded                    (direct)
    released / succeeded / partially_refunded ─REFUND_PART─▶ partially_refunded
                                              ─REFUND_REST─▶ refunded
    held ─OPEN_DISPUTE─▶ disputed ─RESOLVE_RELEASE / _REFUND / _PARTIAL─▶
                                   released / refunded / partially_refunded
    requires_payment or held (before release) ─CANCEL─▶ cancelled
    processing ─FAIL─▶ failed

A held payment is a ledger hold: cancelling one voids it, releasing one posts it. A payment
that failed stays failed; the shopper pays a new intent. Which refund event applies follows
from the amounts (refund_event).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType


class PaymentState(Enum):
    REQUIRES_PAYMENT = "REQUIRES_PAYMENT"
    PROCESSING = "PROCESSING"
    HELD = "HELD"  # in escrow: a ledger hold on the shopper's money
    SUCCEEDED = "SUCCEEDED"  # a direct payment, captured at once
    RELEASED = "RELEASED"  # escrow released to the merchant and the split parties
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    DISPUTED = "DISPUTED"  # still held, waiting for the operator


class PaymentEvent(Enum):
    PAY = "PAY"  # the shopper pays from the wallet or through the rail
    HOLD = "HOLD"  # the money arrived on an escrow intent
    SUCCEED = "SUCCEED"  # the money arrived on a direct intent
    FAIL = "FAIL"  # the rail declined
    CANCEL = "CANCEL"
    RELEASE = "RELEASE"  # buyer confirmed receipt, or auto-release after shipment
    OPEN_DISPUTE = "OPEN_DISPUTE"
    RESOLVE_RELEASE = "RESOLVE_RELEASE"  # the operator sides with the merchant
    RESOLVE_REFUND = "RESOLVE_REFUND"  # ... with the buyer
    RESOLVE_PARTIAL = "RESOLVE_PARTIAL"  # part back to the buyer, the rest released
    REFUND_PART = "REFUND_PART"  # a refund that leaves something captured
    REFUND_REST = "REFUND_REST"  # a refund of everything still captured


S, E = PaymentState, PaymentEvent
_REFUNDABLE = (S.SUCCEEDED, S.RELEASED, S.PARTIALLY_REFUNDED)

TRANSITIONS: Mapping[tuple[PaymentState, PaymentEvent], PaymentState] = MappingProxyType(
    {
        (S.REQUIRES_PAYMENT, E.PAY): S.PROCESSING,
        (S.REQUIRES_PAYMENT, E.CANCEL): S.CANCELLED,
        (S.PROCESSING, E.HOLD): S.HELD,
        (S.PROCESSING, E.SUCCEED): S.SUCCEEDED,
        (S.PROCESSING, E.FAIL): S.FAILED,
        (S.HELD, E.RELEASE): S.RELEASED,
        (S.HELD, E.CANCEL): S.CANCELLED,
        (S.HELD, E.OPEN_DISPUTE): S.DISPUTED,
        (S.DISPUTED, E.RESOLVE_RELEASE): S.RELEASED,
        (S.DISPUTED, E.RESOLVE_REFUND): S.REFUNDED,
        (S.DISPUTED, E.RESOLVE_PARTIAL): S.PARTIALLY_REFUNDED,
        **{(state, E.REFUND_PART): S.PARTIALLY_REFUNDED for state in _REFUNDABLE},
        **{(state, E.REFUND_REST): S.REFUNDED for state in _REFUNDABLE},
    }
)

TERMINAL_STATES = frozenset(
    state for state in PaymentState if not any(key[0] is state for key in TRANSITIONS)
)


class IllegalTransition(ValueError):
    """`event` can't happen to a payment in `state` (e.g. releasing a cancelled payment)."""

    def __init__(self, state: PaymentState, event: PaymentEvent) -> None:
        super().__init__(f"a {state.value.lower()} payment can't take {event.value.lower()}")
        self.state = state
        self.event = event


def next_state(state: PaymentState, event: PaymentEvent) -> PaymentState:
    """The state after `event`; IllegalTransition if the table has no such move."""
    try:
        return TRANSITIONS[state, event]
    except KeyError:
        raise IllegalTransition(state, event) from None


def allowed_events(state: PaymentState) -> frozenset[PaymentEvent]:
    """What may happen next to a payment in `state` (for the API to show the actions)."""
    return frozenset(event for (source, event) in TRANSITIONS if source is state)


def refund_event(*, captured: int, refunded_after: int) -> PaymentEvent:
    """REFUND_REST when this refund brings the total refunded to everything captured."""
    if not 0 < refunded_after <= captured:
        raise ValueError("refunds must total more than 0 and at most what was captured")
    return PaymentEvent.REFUND_REST if refunded_after == captured else PaymentEvent.REFUND_PART
