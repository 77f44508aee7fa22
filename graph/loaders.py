"""DataLoaders made per request on first use: a list's children are read in one query.

A resolver asks `load(info, "loan_notes", notes_of_loans, loan_id)`; every such call in
the same tick of the request is answered by one call of `notes_of_loans(session, ids)`,
so a list of 50 loans costs the same statements as a list of one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from graph.context import Info

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
BatchLoad = Callable[[AsyncSession, Sequence[K]], Awaitable[Sequence[V]]]


def loader(info: Info, name: str, batch: BatchLoad[K, V]) -> DataLoader[K, V]:
    """This request's loader called `name`, reading through `batch` (values in key order)."""
    found: Any = info.context.loaders.get(name)
    if found is None:
        sessions = info.context.db

        async def load(keys: list[K]) -> Sequence[V]:
            async with sessions() as session:
                return await batch(session, keys)

        found = info.context.loaders[name] = DataLoader(load_fn=load)
    return found  # type: ignore[no-any-return]
