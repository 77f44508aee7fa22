"""What every fund use case shares: locking a fund, its events, its audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.events.services.outbox import emit
from domain.wealth.events import FundRedemptionUpdated
from domain.wealth.tables import Fund, FundRedemption


async def lock_fund(session: AsyncSession, fund_id: UUID) -> Fund:
    """The fund, its row locked until the transaction ends; NotFound if there is none."""
    fund = await session.get(Fund, fund_id, with_for_update=True, populate_existing=True)
    if fund is None:
        raise NotFound("no such fund", field="fund_id")
    return fund


async def redemption_updated(
    session: AsyncSession, redemption: FundRedemption, *, manager_id: UUID, now: datetime
) -> None:
    """Tell the investor and the fund's manager how the redemption stands."""
    event = FundRedemptionUpdated(
        redemption_id=str(redemption.id),
        fund_id=str(redemption.fund_id),
        state=redemption.state,
        currency=redemption.currency,
        instant=redemption.instant,
        pending=redemption.pending,
        due_on=redemption.due_on.isoformat() if redemption.due_on else None,
        paid_at=redemption.paid_at.isoformat() if redemption.paid_at else None,
    )
    await emit(
        session,
        event,
        aggregate_id=redemption.id,
        occurred_at=now,
        audience=dict.fromkeys([redemption.investor_id, manager_id]),
    )


def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    target_type: str,
    target_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """The audit entry of a wealth action (every privileged and money-moving one)."""
    record(
        session,
        actor=actor,
        action=f"wealth.{action}",
        outcome=Outcome.SUCCESS,
        at=at,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
