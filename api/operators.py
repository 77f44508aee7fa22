"""Creating operators from the command line (the API never grants the OPERATOR role)."""

from __future__ import annotations

from uuid import UUID

from api.services import build_services
from api.settings import Settings
from api.stores import open_stores
from domain.actors import Actor
from domain.clock import SystemClock
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.unit_of_work import transaction


async def create_operator(
    settings: Settings, database_url: str, redis_url: str, email: str, name: str, password: str
) -> UUID:
    clock = SystemClock()
    stores = open_stores(settings, database_url=database_url, redis_url=redis_url)
    try:
        services = build_services(settings, stores, clock)
        async with transaction(stores.sessions) as session:
            operator = await register(
                session=session,
                clock=clock,
                actor=Actor.system(),
                hasher=services.identity.hasher,
                kind=ParticipantKind.PERSON,
                display_name=name,
                email=email,
                phone=None,
                password=password,
                roles=frozenset({Role.OPERATOR}),
            )
            return operator.id
    finally:
        await stores.close()
