"""A pledge's money: a hold from the backer's wallet into the campaign's escrow.

The campaign's row is locked first by every use case that changes its pledges, then the
accounts (the wallet and the escrow, in id order): the hot escrow account stays locked only
for the posting and the commit that follows.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.crowdfunding.services.accounts import escrow_key, wallet_key
from domain.crowdfunding.tables import Campaign
from domain.ledger.balances import TransferKind
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.ledger.services.holds import void_hold
from domain.ledger.services.posting import Leg, post_transfers

REASON = "CROWDFUNDING_PLEDGE"


async def hold_pledge(
    session: AsyncSession, campaign: Campaign, *, backer_id: UUID, amount: int, now: datetime
) -> UUID:
    """Hold `amount` of the backer's wallet for the campaign; the hold's id."""
    wallet, escrow = (
        wallet_key(backer_id, campaign.currency),
        escrow_key(campaign.id, campaign.currency),
    )
    accounts = await lock_accounts_by_key(session, {wallet, escrow}, now=now)
    leg = Leg(
        accounts[wallet].id, accounts[escrow].id, amount, REASON, {"campaign": str(campaign.id)}
    )
    [hold_id] = await post_transfers(
        session,
        legs=[leg],
        now=now,
        kind=TransferKind.PENDING,
        locked={a.id: a for a in accounts.values()},
    )
    return hold_id


async def release_pledge(session: AsyncSession, hold_id: UUID, now: datetime) -> None:
    """Give the held money back to the backer's wallet."""
    await void_hold(session, hold_id=hold_id, now=now)
