"""The worker's insurance jobs: policies past their term expire; approved claims their
insurer could not pay are tried again. Each batch in its own transaction (SKIP LOCKED: any
number of workers)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.insurance.services.cancellation import expire_policies
from domain.insurance.services.claims import retry_unpaid_claims
from domain.unit_of_work import transaction


async def insurance_upkeep(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Expire what is due, retry unpaid claims; how many policies and claims it settled."""
    async with transaction(sessions) as session:
        expired = await expire_policies(session, now=clock.now())
    async with transaction(sessions) as session:
        paid = await retry_unpaid_claims(session, now=clock.now())
    return expired + paid
