"""`StoredAnswer`: a use case's typed result that run_once keeps for its key and replays.

A result is a frozen dataclass of flat fields (str, int, bool, UUID, datetime, enums, None,
tuples of these) that subclasses StoredAnswer. It is kept as the JSON object of its fields
by name (UUIDs and datetimes as strings, enums by value, None fields left out), so a record
written before a result became typed reads back as the same result; a replay answers the
same typed object the first attempt did.
"""

from __future__ import annotations

import types
from dataclasses import MISSING, fields
from datetime import datetime
from enum import Enum
from typing import Any, Self, Union, get_args, get_origin, get_type_hints
from uuid import UUID


class StoredAnswer:
    """The mixin a use case's result dataclass takes to be kept and replayed by run_once."""

    __slots__ = ()

    def to_stored(self) -> dict[str, Any]:
        """The JSON object kept for the key."""
        stored: dict[str, Any] = {}
        for name in _kinds(type(self)):
            value = getattr(self, name)
            if value is not None:
                stored[name] = _dump(value)
        return stored

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Self:
        """The result kept as `stored` (a field left out takes its default)."""
        kinds = _kinds(cls)
        return cls(**{name: _load(kinds[name], stored[name]) for name in kinds if name in stored})


_KINDS: dict[type, dict[str, Any]] = {}


def _kinds(cls: type) -> dict[str, Any]:
    """Each field's type, read once per class."""
    known = _KINDS.get(cls)
    if known is not None:
        return known
    hints = get_type_hints(cls)
    kinds = {f.name: hints[f.name] for f in fields(cls)}
    for f in fields(cls):
        if f.default is MISSING and f.default_factory is MISSING and _optional(kinds[f.name]):
            raise TypeError(f"{cls.__name__}.{f.name}: an optional field needs a default")
    _KINDS[cls] = kinds
    return kinds


def _optional(kind: Any) -> bool:
    return get_origin(kind) in (Union, types.UnionType) and type(None) in get_args(kind)


def _dump(value: Any) -> Any:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    raise TypeError(f"a stored answer holds no {type(value).__name__}")


def _load(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        [kind] = [arg for arg in get_args(kind) if arg is not type(None)]
        return _load(kind, value)
    if origin is tuple:
        [item, *_] = get_args(kind)
        return tuple(_load(item, v) for v in value)
    if kind is UUID:
        return UUID(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    return value
