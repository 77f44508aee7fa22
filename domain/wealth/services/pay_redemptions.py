"""The worker's job: pending (T+1) redemptions paid on their business day.

Any number of workers: each claims due redemptions with FOR UPDATE SKIP LOCKED, a batch per
transaction; the money set aside at the request (the fund's redeeming account) goes to the
investor's wallet, so a redemption is paid once, and only with money the fund set aside.
The fund's row is locked before the ledger's accounts, in the order every fund use case
takes them.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock, today
from domain.jobs.services.batches import in_batches
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.wallets.services.accounts import wallet_key
from domain.wealth.services.accounts import redeeming_key
from domain.wealth.services.updates import lock_fund, redemption_updated
from domain.wealth.states import RedemptionState
from domain.wealth.tables import FundRedemption

BATCH = 100
_CLAIM_DUE = text(
    """
    SELECT id FROM wealth_redemption
    WHERE state = 'PENDING' AND due_on <= :today AND id > :after
    ORDER BY id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED
    """
)


async def pay_redemption(session: AsyncSession, redemption: FundRedemption, now: datetime) -> None:
    """Pay a pending redemption's T+1 part from what was set aside for it."""
    fund = await lock_fund(session, redemption.fund_id)
    details = {"fund_id": str(fund.id), "redemption_id": str(redemption.id)}
    await post_by_key(
        session,
        now=now,
        legs=[
            KeyedLeg(
                redeeming_key(fund.id, fund.currency),
                wallet_key(redemption.investor_id, fund.currency),
                redemption.pending,
                "FUND_REDEMPTION",
                details,
            )
        ],
    )
    fund.pending_redemptions -= redemption.pending
    fund.updated_at = now
    redemption.state = RedemptionState.PAID.value
    redemption.paid_at = now
    session.add_all([fund, redemption])
    await redemption_updated(session, redemption, manager_id=fund.manager_id, now=now)


async def pay_due_redemptions(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Every pending redemption due by today paid, a batch per transaction; how many."""

    async def batch(session: AsyncSession, after: UUID) -> list[UUID]:
        now = clock.now()
        ids = list(
            (
                await (await session.connection()).execute(
                    _CLAIM_DUE, {"today": today(clock), "after": after, "batch": BATCH}
                )
            ).scalars()
        )
        for redemption_id in ids:
            row = await session.get(FundRedemption, redemption_id, populate_existing=True)
            assert row is not None
            await pay_redemption(session, row, now)
        return ids

    return await in_batches(sessions, batch)
