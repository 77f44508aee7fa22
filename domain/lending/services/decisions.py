"""What operators see of the risk engine: the scorecard versions, and the decisions made."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.lending.tables import LoanApplication
from domain.risk.default_scorecard import DEFAULT_SCORECARD, SCORECARDS
from domain.risk.scorecard import Scorecard
from domain.services.keyset import newest_first


def scorecard_versions(*, actor: Actor) -> list[tuple[Scorecard, bool]]:
    """Every scorecard version, each with whether it is the one deciding now."""
    actor.require_operator()
    return [
        (card, card.version == DEFAULT_SCORECARD.version) for _, card in sorted(SCORECARDS.items())
    ]


async def application_decisions(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
    status: str | None = None,
) -> list[LoanApplication]:
    """Applications and their decisions, newest first (operators)."""
    actor.require_operator()
    query = select(LoanApplication)
    if status is not None:
        query = query.where(col(LoanApplication.status) == status)
    query = newest_first(
        query, col(LoanApplication.created_at), col(LoanApplication.id), after=after, limit=limit
    )
    return list((await session.exec(query)).all())
