"""Idempotency at the edge: the key every money mutation takes, and how its answer says
whether it ran now or is the key's first answer replayed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

import strawberry

from domain.idempotency.service import KeyUse

IdempotencyKey = Annotated[
    str,
    strawberry.argument(
        description="Your unique key for this request (1..128 of A-Z a-z 0-9 . _ : -): a retry "
        "with the same key and input returns the first answer and moves nothing again."
    ),
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
