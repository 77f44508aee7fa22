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
- PostgreSQL is out of reach (a failover, a restart, a connection cut mid-transaction): `run`
  refuses with `DatabaseUnavailable` (TRY_AGAIN) and replays nothing itself, as a cut COMMIT
  may have committed; the client's retry with the same idempotency key answers either way.

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
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.idempotency.service import KeyUse, key_use

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
MAX_ATTEMPTS = 3
# PostgreSQL away or moving: shutting down or starting (57P0x), a read-only node (25006: the
# connection reached a primary since demoted), any connection exception (class 08).
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "25006"})
# asyncpg's refusal of every host it tried (none was read-write yet: mid-failover).
_NO_FITTING_HOST = "TargetServerAttributeNotMatched"


class DatabaseUnavailable(DomainError):
    """PostgreSQL could not be reached or went away mid-request: nothing was done, unless the
    commit itself was cut off, in which case it may have been. Retrying with the same
    idempotency key is safe: it answers with what was done, or does it."""

    code = "TRY_AGAIN"

    def __init__(self) -> None:
        super().__init__("the database is not answering (failing over?): try again shortly")


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
            except (DBAPIError, OSError, PoolTimeout) as error:
                if database_unavailable(error):
                    raise DatabaseUnavailable() from error
                if attempt == MAX_ATTEMPTS or not retryable(error):
                    raise
                await back_off(attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @property
    def key_use(self) -> KeyUse | None:
        return key_use(self._session) if self._session is not None else None


def retryable(error: BaseException) -> bool:
    """PostgreSQL's "try again" answers (asyncpg reports them directly or as the cause)."""
    cause = getattr(error, "orig", None)
    return (
        getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES
        or getattr(getattr(cause, "__cause__", None), "sqlstate", None) in RETRYABLE_SQLSTATES
    )


def database_unavailable(error: BaseException) -> bool:
    """True when `error` says PostgreSQL is out of reach, not that the work was wrong: a
    connection refused, reset, timed out or found dead (SQLAlchemy then invalidates the pool's
    connections), a server shutting down or read-only, no host fit to write, no pooled
    connection free in time."""
    if isinstance(error, PoolTimeout | OSError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        sqlstate = getattr(cause, "sqlstate", None) or ""
        if isinstance(cause, OSError) or type(cause).__name__ == _NO_FITTING_HOST:
            return True
        if sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__
    return False


async def back_off(attempt: int) -> None:
    """Wait a little longer after each failed attempt, at random so retries spread out."""
    await asyncio.sleep(0.005 * 2**attempt * random.random())  # noqa: S311  # jitter
