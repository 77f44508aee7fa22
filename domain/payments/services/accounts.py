"""The ledger accounts payments move money through.

Escrow is a ledger hold: paying an escrow intent puts a PENDING transfer from the shopper's
wallet to the payments ESCROW account, so the shopper's wallet shows the money as `held`
(still theirs: a cancellation or a refunded dispute voids the hold) and nobody else can
spend it. Release posts the hold into ESCROW and, in the same transaction, pays the MDR fee
and every split leg out of ESCROW, so ESCROW nets to zero for every settled payment.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.accounts import AccountKind
from domain.ledger.services.accounts import open_account
from domain.revenue.splits import Party, Role
from domain.wallets.services.accounts import wallet_account

MDR_LABEL = "mdr"  # the merchant discount fee stream of PLATFORM_REVENUE
SHARE_LABEL = "revenue_share"  # the platform's own share when a split rule names it


async def escrow_account(session: AsyncSession, currency: str, now: datetime) -> int:
    return await open_account(
        session, kind=AccountKind.ESCROW, currency=currency, now=now, label="payments"
    )


async def mdr_account(session: AsyncSession, currency: str, now: datetime) -> int:
    return await open_account(
        session, kind=AccountKind.PLATFORM_REVENUE, currency=currency, now=now, label=MDR_LABEL
    )


async def party_account(session: AsyncSession, party: Party, currency: str, now: datetime) -> int:
    """A split recipient's account: the platform's revenue share, or a participant's wallet."""
    if party.role is Role.PLATFORM:
        return await open_account(
            session, kind=AccountKind.PLATFORM_REVENUE, currency=currency, now=now,
            label=SHARE_LABEL,
        )  # fmt: skip
    return await wallet_account(session, owner_id=UUID(party.party_id), currency=currency, now=now)
