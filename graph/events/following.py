"""Following events from a resolver, and a typed subscription per event type in one line.

No `from __future__ import annotations` here: the resolvers made by `typed_subscription`
must carry real type objects, which strawberry reads to build each field.
"""

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry

from domain.errors import InvalidInput
from domain.events.catalog import EventType
from domain.events.interest import interest_of
from graph.context import DeliveredEvent, Info
from graph.events.sharing import shared_event

AFTER = strawberry.argument(
    description="The cursor of the last event received: what came after it is replayed first."
)


@dataclass(frozen=True)
class TypedEvent:
    """An event type as its own subscription: its GraphQL type and how to build it."""

    event_type: EventType
    graphql_type: type
    convert: Callable[[DeliveredEvent], Any]
    description: str


def parse_cursor(after: str | None) -> int | None:
    """A cursor is a position: a decimal string of a non-negative integer."""
    if after is None:
        return None
    text = after.strip()
    if not text.isdecimal() or len(text) > 19:
        raise InvalidInput("must be a cursor received from an event", field="after")
    return int(text)


async def follow(
    info: Info, types: Iterable[EventType] | None, after: str | None
) -> AsyncIterator[DeliveredEvent]:
    """The events of `types` the caller may see, after `after`; the caller is checked first."""
    interest = interest_of(info.context.actor, types)
    position = parse_cursor(after)
    async for event in info.context.events.follow(interest, after=position):
        yield event


def typed_subscription(spec: TypedEvent) -> Any:
    """The subscription field of one event type (`walletChanged(after:)`, ...)."""

    async def resolve(info: Info, after: Annotated[str | None, AFTER] = None) -> Any:
        async for event in follow(info, [spec.event_type], after):
            yield shared_event(event, spec.convert)

    resolve.__annotations__["return"] = AsyncGenerator[spec.graphql_type, None]  # type: ignore[name-defined]
    return strawberry.subscription(resolver=resolve, description=spec.description)
