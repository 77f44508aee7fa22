"""Escrow: auto-release N days after shipment, extensions, and the dispute window."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.payments.escrow import (
    EscrowTerms,
    auto_release_at,
    can_extend,
    can_open_dispute,
    release_due,
)
from domain.payments.states import PaymentState

SHIPPED = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
TERMS = EscrowTerms(auto_release_days=10, extension_days=3, max_extensions=2)
HELD = PaymentState.HELD

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


def test_release_falls_due_n_days_after_shipment_plus_extensions() -> None:
    assert auto_release_at(shipped_at=SHIPPED, terms=TERMS) == SHIPPED + timedelta(days=10)
    assert auto_release_at(shipped_at=SHIPPED, terms=TERMS, extensions=2) == SHIPPED + timedelta(
        days=16
    )
    with pytest.raises(ValueError, match="at most 2 extensions"):
        auto_release_at(shipped_at=SHIPPED, terms=TERMS, extensions=3)


@given(moments, moments, st.integers(min_value=0, max_value=2))
def test_the_dispute_window_closes_exactly_when_release_falls_due(
    shipped_at: datetime, now: datetime, extensions: int
) -> None:
    # when
    due = release_due(
        state=HELD, now=now, shipped_at=shipped_at, terms=TERMS, extensions=extensions
    )
    disputable = can_open_dispute(
        state=HELD, now=now, shipped_at=shipped_at, terms=TERMS, extensions=extensions
    )

    # then one or the other, never both, never neither
    assert due != disputable
    deadline = shipped_at + timedelta(days=10 + 3 * extensions)
    assert due == (now >= deadline)


def test_nothing_is_released_before_shipment_but_a_dispute_may_open() -> None:
    later = SHIPPED + timedelta(days=365)
    assert not release_due(state=HELD, now=later, shipped_at=None)
    assert can_open_dispute(state=HELD, now=later, shipped_at=None)


@pytest.mark.parametrize("state", [s for s in PaymentState if s is not HELD])
def test_only_a_held_payment_is_released_or_disputed(state: PaymentState) -> None:
    later = SHIPPED + timedelta(days=30)
    assert not release_due(state=state, now=later, shipped_at=SHIPPED)
    assert not can_open_dispute(state=state, now=SHIPPED, shipped_at=SHIPPED)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        release_due(state=HELD, now=datetime(2026, 11, 20), shipped_at=SHIPPED)


def test_terms_must_make_sense() -> None:
    with pytest.raises(ValueError, match="positive"):
        EscrowTerms(auto_release_days=0)


@given(moments, moments, st.integers(min_value=0, max_value=2))
def test_the_buyer_extends_only_before_release_and_within_the_terms(
    shipped_at: datetime, now: datetime, extensions: int
) -> None:
    extendable = can_extend(
        state=HELD, now=now, shipped_at=shipped_at, terms=TERMS, extensions=extensions
    )
    due = release_due(
        state=HELD, now=now, shipped_at=shipped_at, terms=TERMS, extensions=extensions
    )

    # an extension is never offered once release fell due, nor past the terms' count
    assert extendable == (not due and extensions < TERMS.max_extensions)


def test_an_unshipped_or_released_payment_is_not_extended() -> None:
    now = SHIPPED + timedelta(days=1)
    assert not can_extend(state=HELD, now=now, shipped_at=None, terms=TERMS)
    for state in PaymentState:
        if state is not HELD:
            assert not can_extend(state=state, now=now, shipped_at=SHIPPED, terms=TERMS)
