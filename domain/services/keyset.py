"""Keyset pages, newest first: order by (moment, id) descending and resume after a cursor,
so a page costs the same wherever it starts and rows added meanwhile never shift it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, and_, or_
from sqlalchemy.sql.elements import SQLCoreOperations

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def newest_first(
    query: Query,
    moment: SQLCoreOperations[datetime],
    key: SQLCoreOperations[UUID],
    *,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Query:
    """`query` ordered newest first by (moment, key), from just past `after`, `limit` rows."""
    if after is not None:
        at, last = after
        query = query.where(or_(moment < at, and_(moment == at, key < last)))
    return query.order_by(moment.desc(), key.desc()).limit(limit)
