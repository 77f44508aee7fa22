"""Typed payloads: stored in snake_case, read back from any version they were stored at."""

from __future__ import annotations

import pytest

from domain.events.catalog import EventType
from domain.events.payloads import parse
from domain.lending.events import LoanDefaulted
from domain.payments.events import PaymentUpdated, PayoutUpdated
from graph.events.types import TYPED_EVENTS
from graph.schema import Subscription

PAYMENT = PaymentUpdated(
    payment_id="7c1f8a52-3c1b-4b9f-9d51-1a0f7f2f4a10",
    state="HELD",
    mode="ESCROW",
    order_reference="E2E-1",
    currency="CNY",
    amount=30_000,
    captured=0,
    refunded=0,
    fee=0,
    shipped_at=None,
    auto_release_at="2026-12-10T08:15:00+00:00",
)


def test_a_payment_stored_in_camel_case_reads_as_today() -> None:
    v1 = {
        "paymentId": PAYMENT.payment_id,
        "state": "HELD",
        "mode": "ESCROW",
        "orderReference": "E2E-1",
        "currency": "CNY",
        "amount": 30_000,
        "captured": 0,
        "refunded": 0,
        "fee": 0,
        "shippedAt": None,
        "autoReleaseAt": "2026-12-10T08:15:00+00:00",
    }
    assert parse(EventType.PAYMENT_UPDATED, "PaymentIntent", v1, 1) == PAYMENT
    assert parse(EventType.PAYMENT_UPDATED, "PaymentIntent", PAYMENT.to_payload(), 2) == PAYMENT


def test_a_payout_stored_in_camel_case_reads_as_today() -> None:
    v1 = {
        "payoutId": "p",
        "batchId": "b",
        "state": "FAILED",
        "amount": 5,
        "currency": "CNY",
        "failureReason": "bank closed",
    }
    assert PayoutUpdated.parse(v1, 1) == PayoutUpdated("p", "b", "FAILED", 5, "CNY", "bank closed")


def test_a_version_1_default_reads_with_what_version_2_added() -> None:
    v1 = {
        "loan_id": "l",
        "outstanding": 900,
        "covered": 900,
        "written_off": 0,
        "cover_kind": "GUARANTEE_FUND",
        "cover_provider": "platform",
        "currency": "CNY",
    }
    assert LoanDefaulted.parse(v1, 1) == LoanDefaulted(
        loan_id="l",
        outstanding=900,
        covered=900,
        written_off=0,
        cover_kind="GUARANTEE_FUND",
        paid_by=None,
        cover_provider=None,
        cover_due=900,
        shortfall=0,
        currency="CNY",
    )


def test_a_version_never_written_is_refused() -> None:
    with pytest.raises(ValueError, match="no payload version 3"):
        PayoutUpdated.parse({}, 3)


def test_every_event_type_has_its_own_subscription() -> None:
    definition = Subscription.__strawberry_definition__  # type: ignore[attr-defined]
    streamed = {field.type for field in definition.fields}
    assert set(TYPED_EVENTS) == set(EventType)
    assert set(TYPED_EVENTS.values()) <= streamed
