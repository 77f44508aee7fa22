"""Relay connections: opaque cursors over keyset pagination, pages capped by the policy."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar, cast
from uuid import UUID

import strawberry

from domain.errors import InvalidInput

NodeType = TypeVar("NodeType")
Row = TypeVar("Row")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    cursor: str
    node: NodeType


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[NodeType]:
        return [edge.node for edge in self.edges]


def encode_cursor(values: Sequence[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(v) for v in values]).encode()).decode()


MAX_BIGINT = 2**63 - 1


def decode_cursor(cursor: str, *types: Callable[[str], object]) -> list[object]:
    """The key values in a cursor, each parsed by its type (datetime.fromisoformat, UUID,
    bigint, ...); InvalidInput naming `after` for anything we did not make."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong shape")
        return [parse(str(value)) for parse, value in zip(types, values, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise InvalidInput("is not a cursor from this list", field="after") from None


def aware_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment


def time_and_id(cursor: str | None) -> tuple[datetime, UUID] | None:
    """The (moment, id) key of a keyset cursor over a time-ordered list; None for page one."""
    if cursor is None:
        return None
    moment, ident = decode_cursor(cursor, aware_datetime, UUID)
    return cast(datetime, moment), cast(UUID, ident)


def bigint(text: str) -> int:
    value = int(text)
    if not 0 < value <= MAX_BIGINT:
        raise ValueError("out of range")
    return value


def connection(
    rows: Sequence[Row],
    *,
    page: int,
    key: Callable[[Row], Sequence[object]],
    node: Callable[[Row], NodeType],
) -> Connection[NodeType]:
    """A page from `rows`, fetched with one extra row to know whether another page follows."""
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in rows[:page]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > page, end_cursor=edges[-1].cursor if edges else None
        ),
    )
