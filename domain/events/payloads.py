"""Typed event payloads (pure): what one event says, as a frozen dataclass per (type, aggregate).

Each context declares its events in `domain/<context>/events.py`, subclassing EventPayload
with its EventType (so its version, PAYLOAD_VERSIONS) and aggregate type. Stored in one
casing (snake_case), money as integer minor units beside `currency`, ids as strings. Readers
turn a stored payload back into its dataclass with `parse`, whatever version it was stored at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self, TypeVar

from domain.events.catalog import PAYLOAD_VERSIONS, EventType

P = TypeVar("P", bound="type[EventPayload]")
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventPayload:
    """One event's facts. Subclasses set EVENT_TYPE and AGGREGATE_TYPE, and UPGRADES for
    every older version their type was stored at (version -> the payload one version on)."""

    EVENT_TYPE: ClassVar[EventType]
    AGGREGATE_TYPE: ClassVar[str]
    UPGRADES: ClassVar[Mapping[int, Upgrade]] = {}

    def to_payload(self) -> dict[str, Any]:
        """The stored payload: the fields as they are (no deep copy: they are plain values)."""
        return dict(vars(self))

    @classmethod
    def parse(cls, payload: Mapping[str, Any], version: int) -> Self:
        """The event a stored payload of `version` says; upgraded step by step from older
        versions; keys it does not know are ignored (a newer writer may add some)."""
        data = dict(payload)
        current = PAYLOAD_VERSIONS[cls.EVENT_TYPE]
        if not 1 <= version <= current:
            raise ValueError(f"{cls.EVENT_TYPE.value} has no payload version {version}")
        for step in range(version, current):
            data = cls.UPGRADES[step](data)
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_PAYLOADS: dict[tuple[EventType, str], type[EventPayload]] = {}


def event_payload(cls: P) -> P:
    """Class decorator: register `cls` as the payload of its (type, aggregate type)."""
    key = (cls.EVENT_TYPE, cls.AGGREGATE_TYPE)
    if key in _PAYLOADS and _PAYLOADS[key] is not cls:
        raise ValueError(f"two payloads for {key}")
    _PAYLOADS[key] = cls
    return cls


def payload_class(event_type: EventType, aggregate_type: str) -> type[EventPayload]:
    """The dataclass of events of `event_type` about an `aggregate_type` (KeyError if none)."""
    return _PAYLOADS[(event_type, aggregate_type)]


def payload_classes() -> dict[tuple[EventType, str], type[EventPayload]]:
    """Every registered payload (the contexts' events modules must have been imported)."""
    return dict(_PAYLOADS)


def parse(
    event_type: EventType, aggregate_type: str, payload: Mapping[str, Any], version: int
) -> EventPayload:
    """A stored event's payload as its dataclass."""
    return payload_class(event_type, aggregate_type).parse(payload, version)


def camel_to_snake(data: dict[str, Any]) -> dict[str, Any]:
    """`paymentId` -> `payment_id`: the upgrade of payloads once stored in camelCase."""
    return {"".join(f"_{c.lower()}" if c.isupper() else c for c in k): v for k, v in data.items()}
