"""Factories for the people tests need, one way each.

An operator is made by `api.operators.register_operator`, the code `agora create-operator`
runs: in the test's own session (`register_operator`, the `operator` fixture) or on the test
stores with stores of its own (`make_operator`, for e2e tests beside a server). Both run in the
test's process: a separate Python process per operator cost ~1.5 s of CPU, and the command
itself is run as the runbook runs it once, in tests/e2e/test_loan_life.py.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from api import operators
from domain.clock import Clock
from domain.participants.ports import PasswordHasher
from support.graphql import PASSWORD, unique_email
from support.stores import StoreUrls, make_settings


async def register_operator(
    session: AsyncSession, *, clock: Clock, hasher: PasswordHasher, email: str
) -> None:
    """Registers an operator signing in with `email` and PASSWORD (the caller commits)."""
    await operators.register_operator(
        session, clock=clock, hasher=hasher, email=email, name="Operator", password=PASSWORD
    )


async def make_operator(
    stores: StoreUrls, *, stem: str = "operator", password: str = PASSWORD
) -> str:
    """A new platform operator on the test stores; their email (sign in with `password`)."""
    email = unique_email(stem)
    settings = make_settings(stores)
    await operators.create_operator(
        settings, stores.database_url, stores.redis_url, email, "Platform operator", password
    )
    return email
