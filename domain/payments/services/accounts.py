"""The ledger accounts payments move money through.

Escrow is a ledger hold: paying an escrow intent puts a PENDING transfer from the shopper's
wallet to the payments ESCROW account, so the shopper's wallet shows the money as `held`
(still theirs: a cancellation or a refunded dispute voids the hold) and nobody else can
spend it. Release posts the hold into ESCROW and, in the same transaction, pays the MDR fee
and every split leg out of ESCROW, so ESCROW nets to zero for every settled payment. A direct
payment goes through ESCROW the same way, in one posting: in from the wallet, out in shares.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey, open_by_key
from domain.revenue.splits import Party, Role
from domain.wallets.rails import RailMethod
from domain.wallets.services.accounts import wallet_key

MDR_LABEL = "mdr"  # the merchant discount fee stream of PLATFORM_REVENUE
SHARE_LABEL = "revenue_share"  # the platform's own share when a split rule names it


def escrow_key(currency: str) -> AccountKey:
    return AccountKey(AccountKind.ESCROW, currency, label="payments")


def mdr_key(currency: str) -> AccountKey:
    return AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=MDR_LABEL)


def rail_key(currency: str, method: RailMethod) -> AccountKey:
    """A rail's money in flight (domain/wallets/services/movements.settlement_account)."""
    return AccountKey(AccountKind.SETTLEMENT, currency, label=method.value)


def party_key(party: Party, currency: str) -> AccountKey:
    """A split recipient's account: the platform's revenue share, or a participant's wallet."""
    if party.role is Role.PLATFORM:
        return AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=SHARE_LABEL)
    return wallet_key(UUID(party.party_id), currency)


async def escrow_account(session: AsyncSession, currency: str, now: datetime) -> int:
    return await open_by_key(session, escrow_key(currency), now=now)


async def mdr_account(session: AsyncSession, currency: str, now: datetime) -> int:
    return await open_by_key(session, mdr_key(currency), now=now)


async def party_account(session: AsyncSession, party: Party, currency: str, now: datetime) -> int:
    return await open_by_key(session, party_key(party, currency), now=now)
