"""The payment intent state machine, tested on every (state, event) pair."""

import itertools

import pytest

from domain.payments.states import (
    TERMINAL_STATES,
    IllegalTransition,
    PaymentEvent,
    PaymentState,
    allowed_events,
    next_state,
    refund_event,
)

S, E = PaymentState, PaymentEvent

# Written out again by hand from the issue, not derived from the module's table.
LEGAL = {
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
    (S.SUCCEEDED, E.REFUND_PART): S.PARTIALLY_REFUNDED,
    (S.SUCCEEDED, E.REFUND_REST): S.REFUNDED,
    (S.RELEASED, E.REFUND_PART): S.PARTIALLY_REFUNDED,
    (S.RELEASED, E.REFUND_REST): S.REFUNDED,
    (S.PARTIALLY_REFUNDED, E.REFUND_PART): S.PARTIALLY_REFUNDED,
    (S.PARTIALLY_REFUNDED, E.REFUND_REST): S.REFUNDED,
}
ALL_PAIRS = list(itertools.product(PaymentState, PaymentEvent))


@pytest.mark.parametrize(("state", "event"), [pair for pair in ALL_PAIRS if pair in LEGAL])
def test_a_legal_event_moves_the_payment_to_its_next_state(
    state: PaymentState, event: PaymentEvent
) -> None:
    assert next_state(state, event) is LEGAL[state, event]
    assert event in allowed_events(state)


@pytest.mark.parametrize(("state", "event"), [pair for pair in ALL_PAIRS if pair not in LEGAL])
def test_any_other_event_is_an_illegal_transition(state: PaymentState, event: PaymentEvent) -> None:
    with pytest.raises(IllegalTransition) as raised:
        next_state(state, event)
    assert (raised.value.state, raised.value.event) == (state, event)
    assert event not in allowed_events(state)


def test_cancelled_failed_and_refunded_payments_are_final() -> None:
    assert {S.CANCELLED, S.FAILED, S.REFUNDED} == TERMINAL_STATES


def test_the_error_says_what_was_refused() -> None:
    with pytest.raises(IllegalTransition, match="a cancelled payment can't take release"):
        next_state(S.CANCELLED, E.RELEASE)


def test_every_state_is_reachable_from_requires_payment() -> None:
    reached, frontier = {S.REQUIRES_PAYMENT}, [S.REQUIRES_PAYMENT]
    while frontier:
        state = frontier.pop()
        for event in allowed_events(state):
            target = next_state(state, event)
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(PaymentState)


@pytest.mark.parametrize(
    ("captured", "refunded_after", "expected"),
    [(1000, 1, E.REFUND_PART), (1000, 999, E.REFUND_PART), (1000, 1000, E.REFUND_REST)],
)
def test_the_refund_event_follows_from_the_amounts(
    captured: int, refunded_after: int, expected: PaymentEvent
) -> None:
    assert refund_event(captured=captured, refunded_after=refunded_after) is expected


@pytest.mark.parametrize("refunded_after", [0, 1001])
def test_a_refund_total_outside_the_captured_amount_has_no_event(refunded_after: int) -> None:
    with pytest.raises(ValueError, match="at most what was captured"):
        refund_event(captured=1000, refunded_after=refunded_after)
