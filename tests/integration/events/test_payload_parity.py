"""Every event type: the webhook body's `data` and the subscription's GraphQL type carry the
same facts, read from the same stored row.

Generated over the catalog and every payload dataclass registered for it: a new event type
without a payload dataclass, without a typed subscription, or whose subscription drops,
adds or changes a fact, fails here.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import PAYLOAD_VERSIONS, EventType
from domain.events.payloads import EventPayload, parse, payload_classes
from domain.events.repository import OUTBOX
from domain.events.services.outbox import emit
from domain.money import currency_of, parse_money
from domain.webhooks.messages import message_body
from graph.events.types import TYPED_EVENTS, DomainEvent, PayloadEvent
from graph.money import Money
from graph.relay import parse_global_id
from support.ledger import NOW

Sessions = async_sessionmaker[AsyncSession]

# str fields that are not ids (ids are any UUID's text): a value of their own format.
FORMATTED = {
    "due_date": "2026-12-01",
    "due_on": "2026-12-01",
    "annual_rate": "0.085",
    "shipped_at": "2026-11-30T08:15:00+00:00",
    "auto_release_at": "2026-12-10T08:15:00+00:00",
    "deadline": "2026-12-31T12:00:00+00:00",
    "starts_at": "2026-12-01T12:00:00+00:00",
    "ends_at": "2027-12-01T12:00:00+00:00",
    "day": "2026-12-01",
    "paid_at": "2026-12-02T08:15:00+00:00",
    "income_per_10k": "0.6512",
    "seven_day_yield": "0.023851",
    "matured_at": "2027-03-08T12:00:00+00:00",
    "exit_deadline": "2027-03-15T12:00:00+00:00",
    "item_kind": "FUND",
}
COMMON = {f.name for f in dataclasses.fields(PayloadEvent)} | {  # type: ignore[arg-type]
    f.name
    for f in dataclasses.fields(DomainEvent)  # type: ignore[arg-type]
}


def sample(cls: type[EventPayload], *, optional: bool) -> EventPayload:
    """An event of `cls` with a distinct value in every field (optional ones null unless
    `optional`)."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for number, field in enumerate(dataclasses.fields(cls)):
        hint = hints[field.name]
        kinds = set(typing.get_args(hint)) or {hint}
        if type(None) in kinds and not optional:
            values[field.name] = None
        elif field.name == "currency":
            values[field.name] = "CNY"
        elif bool in kinds:
            values[field.name] = True
        elif int in kinds:
            values[field.name] = 1_000 + 37 * number
        else:
            values[field.name] = FORMATTED.get(field.name, str(uuid4()))
    if {"available", "held", "total"} <= values.keys():  # a balance's total is the sum
        values["total"] = values["available"] + values["held"]
    return cls(**values)


def flat(value: object, currency: list[str], prefix: str = "") -> dict[str, Any]:
    """A GraphQL object's fields beside the generic ones, by Python (snake_case) name, as the
    stored payload states them: Money as minor units (its currency noted), global ids as
    their keys, dates as ISO text; nested objects flattened."""
    definition = value.__strawberry_definition__  # type: ignore[attr-defined]
    facts: dict[str, Any] = {}
    for field in definition.fields:
        if field.python_name in COMMON:
            continue
        got = getattr(value, field.python_name)
        if isinstance(got, Money):
            currency.append(got.currency)
            got = parse_money(got.amount, currency_of(got.currency), field=field.name).minor
        elif isinstance(got, date | datetime):
            got = got.isoformat()
        elif hasattr(got, "__strawberry_definition__"):
            facts |= flat(got, currency)
            continue
        elif isinstance(got, str) and _is_global(got):
            got = parse_global_id(got)[1]
        facts[field.python_name] = got
    return facts


def _is_global(text: str) -> bool:
    try:
        parse_global_id(text)
    except Exception:
        return False
    return True


CASES = [
    pytest.param(event_type, aggregate, optional, id=f"{event_type.value}-{aggregate}-{label}")
    for event_type in EventType
    for aggregate in sorted(a for (t, a) in payload_classes() if t is event_type) or ["none"]
    for optional, label in ((True, "full"), (False, "nulls"))
]


@pytest.mark.parametrize(("event_type", "aggregate", "optional"), CASES)
async def test_the_webhook_and_the_subscription_carry_the_same_facts(
    sessions: Sessions, event_type: EventType, aggregate: str, optional: bool
) -> None:
    assert aggregate != "none", f"{event_type.value} has no payload dataclass"
    assert event_type in TYPED_EVENTS, f"{event_type.value} has no typed subscription"
    event = sample(payload_classes()[(event_type, aggregate)], optional=optional)
    owner = uuid4()
    async with sessions() as session:
        await emit(session, event, aggregate_id=uuid4(), audience=[owner], occurred_at=NOW)
        await session.commit()
        row = (await (await session.connection()).execute(select(OUTBOX))).one()._mapping

    body = json.loads(
        message_body(
            position=row["id"],
            event_type=row["type"],
            version=row["version"],
            occurred_at=row["occurred_at"],
            correlation_id=row["correlation_id"],
            payload=row["payload"],
        )
    )
    delivered = SimpleNamespace(**{**row, "position": row["id"], "audience": (owner,)})
    typed = TYPED_EVENTS[event_type].from_stream(delivered)
    currencies: list[str] = []
    facts = flat(typed, currencies)

    data = body["data"]
    assert data == event.to_payload()  # stored as recorded, in snake_case
    assert body["version"] == PAYLOAD_VERSIONS[event_type]
    assert parse(event_type, aggregate, data, body["version"]) == event
    assert {k: facts.get(k, data[k]) for k in data if k != "currency"} == {
        k: v for k, v in data.items() if k != "currency"
    }
    missing = {k for k in data if k not in facts and k != "currency"}
    assert not missing, f"the subscription lacks {missing}"
    assert set(currencies) <= {data.get("currency")}, "money in another currency"
    extra = {k: v for k, v in facts.items() if k not in data and v is not None}
    assert not extra, f"the subscription states what the webhook does not: {extra}"
    assert typed.cursor == body["id"].removeprefix("evt_")
    assert typed.occurred_at.isoformat() == body["timestamp"]
