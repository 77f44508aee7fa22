"""Subscribers of one event share one result (and one serialized `next`) only where it is the
same answer: the same operation and variables, and a viewer-independent type or one viewer."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import strawberry
from strawberry.extensions import ParserCache

from domain.actors import Actor, ActorKind, Origin
from graph.events.sharing import (
    SharedData,
    SharedRoots,
    shared_event,
    shared_next_message,
    viewer_independent,
)
from graph.shared_results import SharedEventResults


@dataclass
class Happened:
    """An event as the hub hands it to every local subscriber: one object, one memo."""

    amount: int
    derived: dict[Any, Any] = field(default_factory=dict)


@viewer_independent
@strawberry.type
class Told:
    amount: int

    @strawberry.field
    def scaled(self, by: int = 1) -> int:
        return self.amount * by

    @strawberry.field
    def share_of(self, among: int) -> int | None:
        return self.amount // among  # among: 0 fails

    @classmethod
    def of(cls, event: Happened) -> Told:
        return cls(amount=event.amount)


@strawberry.type
class Personal:  # not declared: its answer may depend on who asks
    amount: int

    @strawberry.field
    def seen_by(self, info: strawberry.Info) -> str:
        return str(info.context.actor.participant_id)

    @classmethod
    def of(cls, event: Happened) -> Personal:
        return cls(amount=event.amount)


@dataclass
class Viewer:
    actor: Actor
    events: list[Happened]


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def told(self, info: strawberry.Info) -> AsyncGenerator[Told, None]:
        for event in info.context.events:
            yield shared_event(event, Told.of)

    @strawberry.subscription
    async def personal(self, info: strawberry.Info) -> AsyncGenerator[Personal, None]:
        for event in info.context.events:
            yield shared_event(event, Personal.of)


SCHEMA = strawberry.Schema(
    query=Query,
    subscription=Subscription,
    extensions=[lambda: ParserCache(maxsize=8)],
    execution_context_class=SharedEventResults,
)


def viewer(number: int, events: list[Any], *, ip: str = "10.0.0.1") -> Viewer:
    person = Actor(ActorKind.PERSON, participant_id=UUID(int=number), origin=Origin(ip=ip))
    return Viewer(person, events)


async def results(
    query: str, context: Viewer, variables: dict[str, Any] | None = None
) -> list[Any]:
    stream = await SCHEMA.subscribe(query, context_value=context, variable_values=variables)
    return [result async for result in stream]  # type: ignore[union-attr]


async def test_subscribers_of_one_operation_share_one_result() -> None:
    events = [Happened(5), Happened(7)]
    first = await results("subscription { told { amount scaled(by: 2) } }", viewer(1, events))
    second = await results("subscription { told { amount scaled(by: 2) } }", viewer(2, events))

    assert [r.data for r in first] == [
        {"told": {"amount": 5, "scaled": 10}},
        {"told": {"amount": 7, "scaled": 14}},
    ]
    assert all(type(r.data) is SharedData for r in first)
    assert [a.data is b.data for a, b in zip(first, second, strict=True)] == [True, True]


async def test_other_variables_or_documents_get_their_own_result() -> None:
    events = [Happened(5)]
    query = "subscription S($by: Int!) { told { scaled(by: $by) } }"
    (two,) = await results(query, viewer(1, events), {"by": 2})
    (three,) = await results(query, viewer(1, events), {"by": 3})
    (other,) = await results("subscription { told { amount } }", viewer(1, events))

    assert (two.data, three.data, other.data) == (
        {"told": {"scaled": 10}},
        {"told": {"scaled": 15}},
        {"told": {"amount": 5}},
    )


async def test_a_type_not_declared_is_shared_by_one_viewer_only() -> None:
    events = [Happened(5)]
    query = "subscription { personal { amount seenBy } }"
    (mine,) = await results(query, viewer(1, events))
    (theirs,) = await results(query, viewer(2, events))
    (mine_elsewhere,) = await results(query, viewer(1, events, ip="10.9.9.9"))

    assert mine.data == {
        "personal": {"amount": 5, "seenBy": str(viewer(1, []).actor.participant_id)}
    }
    assert theirs.data["personal"]["seenBy"] != mine.data["personal"]["seenBy"]
    assert mine_elsewhere.data is mine.data  # the same person on another socket


async def test_events_without_a_memo_are_completed_per_subscriber() -> None:
    @dataclass
    class Bare:
        amount: int

    events: list[Any] = [Bare(5)]
    (first,) = await results("subscription { told { amount } }", viewer(1, events))
    (second,) = await results("subscription { told { amount } }", viewer(2, events))

    assert first.data == second.data == {"told": {"amount": 5}}
    assert first.data is not second.data
    assert type(first.data) is dict


async def test_a_shared_next_message_is_serialized_once_with_each_id_spliced_in() -> None:
    data = SharedData({"told": {"amount": 5, "note": 'a "quoted" word'}})
    calls: list[object] = []

    def encode(message: object) -> str:
        calls.append(message)
        return json.dumps(message, separators=(",", ":"))

    one = shared_next_message({"id": "1", "type": "next", "payload": {"data": data}}, encode)
    other = shared_next_message({"id": 'x"y', "type": "next", "payload": {"data": data}}, encode)

    assert len(calls) == 1
    assert json.loads(one or "") == {"id": "1", "type": "next", "payload": {"data": data}}
    assert json.loads(other or "") == {"id": 'x"y', "type": "next", "payload": {"data": data}}


def test_messages_with_more_than_shared_data_are_encoded_as_usual() -> None:
    data = SharedData({"told": {"amount": 5}})
    with_errors = {"id": "1", "type": "next", "payload": {"data": data, "errors": []}}
    plain = {"id": "1", "type": "next", "payload": {"data": {"told": {"amount": 5}}}}

    assert shared_next_message(with_errors, json.dumps) is None
    assert shared_next_message(plain, json.dumps) is None
    assert shared_next_message({"id": "1", "type": "complete"}, json.dumps) is None


def test_a_root_that_cannot_be_weakly_referenced_is_not_shared() -> None:
    roots = SharedRoots()
    slotted = (1, 2)  # no weak references to a tuple

    roots.register(slotted)

    assert roots.results_of(slotted) is None
    assert len(roots) == 0


def test_a_shared_root_is_forgotten_with_its_event() -> None:
    roots = SharedRoots()
    told = Told(amount=1)
    roots.register(told)
    assert roots.results_of(told) == {}

    del told

    assert len(roots) == 0


async def test_a_result_with_errors_is_never_shared() -> None:
    events = [Happened(5)]
    query = "subscription { told { amount shareOf(among: 0) } }"
    (first,) = await results(query, viewer(1, events))
    (second,) = await results(query, viewer(2, events))

    assert first.errors
    assert second.errors
    assert first.data == second.data == {"told": {"amount": 5, "shareOf": None}}
    assert first.data is not second.data
    assert type(first.data) is dict
