"""Mutation payloads: the changed objects plus `errors: [UserError!]!`, and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.idempotency.service import key_use
from domain.ledger.services.retries import MAX_ATTEMPTS, back_off, retryable
from graph.context import Info
from graph.errors import UserError, user_errors
from graph.idempotency import with_key_use

P = TypeVar("P")


@asynccontextmanager
async def transaction(info: Info) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: commit on success, and on refusals that keep changes."""
    async with info.context.db() as session:
        try:
            yield session
        except DomainError as error:
            if error.keeps_changes:
                await session.commit()
            raise
        await session.commit()


async def run_mutation(
    info: Info,
    refused: Callable[[list[UserError]], P],
    use_case: Callable[[AsyncSession], Awaitable[P]],
) -> P:
    """Run `use_case` in a transaction; a DomainError becomes the payload's `errors`;
    serialization failures and deadlocks are retried (with backoff) before giving up. The
    payload says how the use case's idempotency key was answered, if it has one."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        session: AsyncSession | None = None
        try:
            async with transaction(info) as session:
                payload = await use_case(session)
        except DomainError as error:
            payload = refused(user_errors(error))
        except DBAPIError as error:
            if attempt == MAX_ATTEMPTS or not retryable(error):
                raise
            await back_off(attempt)
            continue
        return with_key_use(payload, key_use(session) if session is not None else None)
    raise AssertionError("unreachable")
