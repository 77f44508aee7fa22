"""Mutations run in the domain's unit of work (domain/unit_of_work.py); a refusal becomes the
payload's `errors`, and the payload says how its idempotency key was answered."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.unit_of_work import UnitOfWork
from graph.context import Info
from graph.errors import UserError, user_errors
from graph.idempotency import with_key_use

P = TypeVar("P")
Arguments = ParamSpec("Arguments")
Resolver = Callable[Concatenate[Any, Info, AsyncSession, Arguments], Awaitable[P]]


def in_unit_of_work(
    resolver: Resolver[Arguments, P],
) -> Callable[Concatenate[Any, Info, Arguments], Awaitable[P]]:
    """A mutation whose body takes `session` and runs in one unit of work: committed when it
    returns its payload; a DomainError rolls back (unless it keeps its changes) and answers
    the declared payload type with `errors`. Strawberry sees the resolver without `session`.

        @strawberry.mutation
        @in_unit_of_work
        async def buy_note(self, info: Info, session: AsyncSession, input: ...) -> BuyNotePayload:
    """
    signature = inspect.signature(resolver)
    payload_type: type[P] | None = None

    @functools.wraps(resolver)
    async def mutation(
        self: Any, info: Info, *args: Arguments.args, **arguments: Arguments.kwargs
    ) -> P:
        nonlocal payload_type
        if payload_type is None:  # annotations are strings until the module has loaded
            payload_type = typing.get_type_hints(resolver)["return"]
        refused = typing.cast(Callable[..., P], payload_type)
        return await run_mutation(
            info,
            lambda errors: refused(errors=errors),
            lambda session: resolver(self, info, session, *args, **arguments),
        )

    public = [p for name, p in signature.parameters.items() if name != "session"]
    mutation.__signature__ = signature.replace(parameters=public)  # type: ignore[attr-defined]
    mutation.__annotations__ = {
        name: hint for name, hint in resolver.__annotations__.items() if name != "session"
    }
    return mutation  # type: ignore[return-value]  # functools.wraps hides the ParamSpec


async def run_mutation(
    info: Info,
    refused: Callable[[list[UserError]], P],
    use_case: Callable[[AsyncSession], Awaitable[P]],
) -> P:
    """Run `use_case` in a unit of work; a refusal becomes `refused(errors)`. The payload says
    how the use case's idempotency key was answered, if it has one."""
    unit = UnitOfWork(info.context.db)
    try:
        payload = await unit.run(use_case)
    except DomainError as refusal:
        payload = refused(user_errors(refusal))
    return with_key_use(payload, unit.key_use)
