"""`node(id:)` and `nodes(ids:)`: any object by its global id, read as its own query reads it.

Each context registers, under the type name inside its global ids, the GraphQL type and a
batch loader: (info, keys) -> the objects in key order, None where the caller may not see
one. A loader calls the read use case of that type's own query and maps rows with the type's
`of`, so `node` authorizes exactly as the query does; `nodes` reads each type's ids in one
batch. Anything the registry cannot answer (a malformed id, an unknown type, a key of the
wrong shape, a refusal) is null, exactly like an id that names nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from domain.actors import Actor, NotFound
from domain.errors import DomainError, InvalidInput
from graph.context import Info
from graph.permissions import ANYONE, allow
from graph.relay import Node, parse_global_id

R = TypeVar("R")
N = TypeVar("N", bound=Node)
NodeLoad = Callable[[Info, list[UUID]], Awaitable[Sequence[Node | None]]]


@dataclass(frozen=True)
class NodeType:
    graphql_type: type[Node]
    load: NodeLoad


_REGISTRY: dict[str, NodeType] = {}


def register_node(id_type: str, graphql_type: type[Node], load: NodeLoad) -> None:
    """`node` answers ids of `id_type` (the name its global ids carry) with `load`."""
    known = _REGISTRY.get(id_type)
    if known is not None and known.graphql_type is not graphql_type:
        raise ValueError(f"{id_type} ids already name {known.graphql_type.__name__}")
    _REGISTRY[id_type] = NodeType(graphql_type, load)


def node_types() -> list[type[Node]]:
    """Every registered Node type (the schema lists them: nothing else refers to some)."""
    return [entry.graphql_type for entry in _REGISTRY.values()]


def registered_id_types() -> dict[str, str]:
    """Id type name -> GraphQL type name, for tests."""
    return {name: entry.graphql_type.__name__ for name, entry in _REGISTRY.items()}


def in_key_order(
    keys: Sequence[Hashable],
    rows: Iterable[R],
    view: Callable[[R], N],
    key: Callable[[R], Hashable] = attrgetter("id"),
) -> list[N | None]:
    """`rows` as `view` shows them, in the order of `keys` (None where a key found none)."""
    by_key = {key(row): row for row in rows}
    return [None if (row := by_key.get(k)) is None else view(row) for k in keys]


def one_by_one(
    read: Callable[[AsyncSession, Actor, UUID], Awaitable[N]],
) -> Callable[[Info, list[UUID]], Awaitable[list[N | None]]]:
    """A loader that reads key by key in one session with a use case that reads one object
    (NotFound, or any refusal, is None)."""

    async def load(info: Info, keys: list[UUID]) -> list[N | None]:
        found: list[N | None] = []
        async with info.context.db() as session:
            for key in keys:
                try:
                    found.append(await read(session, info.context.actor, key))
                except DomainError:
                    found.append(None)
        return found

    return load


def _loader(info: Info, id_type: str, entry: NodeType) -> DataLoader[UUID, Node | None]:
    name = f"node:{id_type}"
    existing: Any = info.context.loaders.get(name)
    if existing is None:

        async def load(keys: list[UUID]) -> list[Node | None]:
            try:
                objects = list(await entry.load(info, keys))
            except DomainError:  # refused outright (role, scope, anonymous): nothing to see
                return [None] * len(keys)
            # A loader answers with its own type only: an id never opens another type.
            return [o if isinstance(o, entry.graphql_type) else None for o in objects]

        existing = info.context.loaders[name] = DataLoader(load_fn=load)
    return existing  # type: ignore[no-any-return]


async def _none() -> None:
    return None


def _load_one(info: Info, global_id: str) -> Awaitable[Node | None]:
    try:
        id_type, key = parse_global_id(global_id)
        entry = _REGISTRY[id_type]
        return _loader(info, id_type, entry).load(UUID(key))
    except (NotFound, KeyError, ValueError):
        return _none()


@strawberry.type
class NodeQueries:
    # Anyone may ask: each type's loader applies that type's own query rules.
    @allow(ANYONE)
    @strawberry.field(
        description="Any object by global ID; null if it does not exist or is not yours."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _load_one(info, id)

    @allow(ANYONE)
    @strawberry.field(
        description="Objects by global ID, in the order asked (as many as a page holds); "
        "null for each one that does not exist or is not yours."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        most = info.context.hardening.max_page_size
        if len(ids) > most:
            raise InvalidInput(f"at most {most} ids", field="ids")
        return list(await asyncio.gather(*(_load_one(info, i) for i in ids)))
