"""The unit of work: the one transaction a use case runs in, and the only place that decides
what is kept. Use cases never commit; whoever calls them (a mutation, a worker job, the CLI)
runs them here.

- The work returns: commit.
- The work refuses (raises a `DomainError`): roll back — unless the refusal `keeps_changes`
  (a failed sign-in counts toward the lockout, a reused refresh token revokes its session, an
  idempotency key records the refusal it answered): then commit what the work kept and
  re-raise. The work undoes the rest itself with a SAVEPOINT (`session.begin_nested()`).
- Anything else: roll back, re-raise.
- PostgreSQL answers "try again" (a serialization failure or a deadlock victim): `run` replays
  the whole work in a fresh session, at most `MAX_ATTEMPTS` times, after a jittered pause.

Worker jobs go batch by batch, each batch in its own `transaction`, so a crash loses at most
the batch in flight and a long run never holds locks for long.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.idempotency.service import KeyUse, key_use

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
MAX_ATTEMPTS = 3


@asynccontextmanager
async def transaction(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, or refuses with a refusal that keeps
    its changes; rolled back otherwise (closing the session rolls back)."""
    async with sessions() as session:
        try:
            yield session
        except DomainError as refusal:
            if refusal.keeps_changes:
                await session.commit()
            raise
        await session.commit()


class UnitOfWork:
    """Runs one use case in a `transaction`, replaying it when PostgreSQL asks to; afterwards
    says how the use case's idempotency key was answered (`key_use`), refused or not."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                async with transaction(self._sessions) as self._session:
                    return await work(self._session)
            except DBAPIError as error:
                if attempt == MAX_ATTEMPTS or not retryable(error):
                    raise
                await back_off(attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @property
    def key_use(self) -> KeyUse | None:
        return key_use(self._session) if self._session is not None else None


def retryable(error: DBAPIError) -> bool:
    """PostgreSQL's "try again" answers (asyncpg reports them directly or as the cause)."""
    cause = error.orig
    return (
        getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES
        or getattr(getattr(cause, "__cause__", None), "sqlstate", None) in RETRYABLE_SQLSTATES
    )


async def back_off(attempt: int) -> None:
    """Wait a little longer after each failed attempt, at random so retries spread out."""
    await asyncio.sleep(0.005 * 2**attempt * random.random())  # noqa: S311  # jitter
