"""Mutation payloads: the changed objects plus `errors: [UserError!]!`, and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from enum import Enum
from typing import TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, InputRejected
from domain.idempotency.service import KeyUse, key_use
from domain.ledger.services.retries import MAX_ATTEMPTS, back_off, retryable
from graph.context import Info


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"  # noqa: S105
    ALREADY_REGISTERED = "ALREADY_REGISTERED"
    KYC_STATE = "KYC_STATE"
    KYC_REQUIRED = "KYC_REQUIRED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    HOLD_NOT_PENDING = "HOLD_NOT_PENDING"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    RAIL_DECLINED = "RAIL_DECLINED"
    LOAN_STATE = "LOAN_STATE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    APPLICATION_REFUSED = "APPLICATION_REFUSED"
    APPLICATION_NOT_IN_REVIEW = "APPLICATION_NOT_IN_REVIEW"
    FUNDING_REFUSED = "FUNDING_REFUSED"
    SALE_NOT_OPEN = "SALE_NOT_OPEN"
    # How a subscription to events ends (in its final error's extensions.code).
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    SLOW_CONSUMER = "SLOW_CONSUMER"
    EVENTS_UNAVAILABLE = "EVENTS_UNAVAILABLE"
    ENDPOINT_DISABLED = "ENDPOINT_DISABLED"
    PAYMENT_STATE = "PAYMENT_STATE"
    REFUND_EXCEEDS_REMAINING = "REFUND_EXCEEDS_REMAINING"
    EXTENSION_LIMIT_REACHED = "EXTENSION_LIMIT_REACHED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"


@strawberry.type(
    description="A business error: what went wrong, and which input field is at fault."
)
class UserError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


def user_errors(error: DomainError) -> list[UserError]:
    """One UserError per invalid field; codes not in the enum would be a programming error."""
    faults = error.violations if isinstance(error, InputRejected) else [error]
    return [
        UserError(
            code=ErrorCode(fault.code),
            message=fault.message,
            field=to_camel_case(fault.field) if fault.field else None,
        )
        for fault in faults
    ]


@strawberry.type(description="How this request's idempotencyKey was answered.")
class Idempotency:
    key: str
    replayed: bool = strawberry.field(
        description="False: the request ran now. True: the key was used before, so this is the "
        "stored answer of its first request, replayed exactly as first given (a refusal too, "
        "such as INSUFFICIENT_FUNDS, even if a retry would succeed now) and nothing was done "
        "again; only this field tells the two apart (objects the answer links to, such as a "
        "wallet or a loan, are read as they are now). To try again, send a new key."
    )
    first_seen_at: datetime = strawberry.field(
        description="When the key's first request was answered: now, unless replayed."
    )


@strawberry.interface(description="The payload of a mutation that takes an idempotencyKey.")
class IdempotentPayload:
    idempotency: Idempotency | None = strawberry.field(
        default=None,
        description="How the idempotencyKey was answered: run now, or a replay of the key's "
        "first answer. Null when the mutation takes no key, or refused the request before "
        "reading its key (invalid input, not allowed, the key used for another request): such "
        "refusals are not kept for the key, and a retry is judged afresh.",
    )


P = TypeVar("P")


def with_key_use(payload: P, use: KeyUse | None) -> P:
    """The payload saying how its idempotency key was answered, if it took one."""
    if use is not None and isinstance(payload, IdempotentPayload):
        payload.idempotency = Idempotency(
            key=use.key, replayed=use.replayed, first_seen_at=use.first_seen_at
        )
    return payload


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
