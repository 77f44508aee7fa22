"""An operator made the way `agora create-operator` makes one, on the service layer."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import Clock
from domain.participants.credentials import ParticipantKind
from domain.participants.ports import PasswordHasher
from domain.participants.roles import Role
from domain.participants.services.registration import register
from support.graphql import PASSWORD


async def register_operator(
    session: AsyncSession, *, clock: Clock, hasher: PasswordHasher, email: str
) -> None:
    """Registers an operator signing in with `email` and PASSWORD (the caller commits)."""
    await register(
        session=session,
        clock=clock,
        actor=Actor.system(),
        hasher=hasher,
        kind=ParticipantKind.PERSON,
        display_name="Operator",
        email=email,
        phone=None,
        password=PASSWORD,
        roles=frozenset({Role.OPERATOR}),
    )
