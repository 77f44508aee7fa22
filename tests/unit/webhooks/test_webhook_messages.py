"""Which events an endpoint receives, and the body it receives them in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from domain.webhooks.messages import message_body, message_id, wants

OWNER, OTHER = uuid4(), uuid4()
CREATED = datetime(2027, 1, 1, tzinfo=UTC)
LATER = CREATED + timedelta(seconds=1)


def endpoint_wants(**event: object) -> bool:
    values: dict[str, object] = {
        "owner_id": OWNER,
        "event_types": [],
        "created_at": CREATED,
        "audience": [OWNER],
        "event_type": "wallet.changed",
        "occurred_at": LATER,
    }
    values.update(event)
    return wants(**values)  # type: ignore[arg-type]


def test_an_endpoint_receives_its_owners_events_of_any_type_when_none_is_chosen() -> None:
    assert endpoint_wants()
    assert endpoint_wants(audience=[OTHER, OWNER], event_type="lending.loan_funded")


def test_an_endpoint_never_receives_an_event_about_others_only() -> None:
    assert not endpoint_wants(audience=[OTHER])
    assert not endpoint_wants(audience=[])


def test_an_endpoint_receives_only_the_types_it_chose() -> None:
    assert endpoint_wants(event_types=["wallet.changed"])
    assert not endpoint_wants(event_types=["lending.loan_funded"])


def test_events_from_before_the_endpoint_existed_are_not_sent() -> None:
    assert endpoint_wants(occurred_at=CREATED)
    assert not endpoint_wants(occurred_at=CREATED - timedelta(microseconds=1))


def test_the_body_follows_standard_webhooks_and_names_the_event_by_its_position() -> None:
    body = message_body(
        position=42,
        event_type="wallet.changed",
        version=1,
        occurred_at=LATER,
        correlation_id="req-1",
        payload={"currency": "CNY", "available": 100},
    )

    assert json.loads(body) == {
        "id": "evt_42",
        "type": "wallet.changed",
        "version": 1,
        "timestamp": "2027-01-01T00:00:01+00:00",
        "correlationId": "req-1",
        "data": {"currency": "CNY", "available": 100},
    }
    assert message_id(42) == "evt_42"
