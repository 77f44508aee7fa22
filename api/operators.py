"""Creating operators from the command line (the API never grants the OPERATOR role)."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from api.services import build_services
from api.settings import Settings
from api.stores import open_stores
from domain.actors import Actor
from domain.clock import Clock, SystemClock
from domain.participants.credentials import ParticipantKind
from domain.participants.ports import PasswordHasher
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.participants.tables import Participant
from domain.unit_of_work import transaction


async def register_operator(
    session: AsyncSession,
    *,
    clock: Clock,
    hasher: PasswordHasher,
    email: str,
    name: str,
    password: str,
) -> Participant:
    """An operator signing in with `email` and `password`, in the caller's transaction: the
    one way to make an operator (the command line, and the tests' factories)."""
    return await register(
        session=session,
        clock=clock,
        actor=Actor.system(),
        hasher=hasher,
        kind=ParticipantKind.PERSON,
        display_name=name,
        email=email,
        phone=None,
        password=password,
        roles=frozenset({Role.OPERATOR}),
    )


async def create_operator(
    settings: Settings, database_url: str, redis_url: str, email: str, name: str, password: str
) -> UUID:
    clock = SystemClock()
    stores = open_stores(settings, database_url=database_url, redis_url=redis_url)
    try:
        services = build_services(settings, stores, clock)
        async with transaction(stores.sessions) as session:
            operator = await register_operator(
                session,
                clock=clock,
                hasher=services.identity.hasher,
                email=email,
                name=name,
                password=password,
            )
            return operator.id
    finally:
        await stores.close()
