"""Finding a participant's wallet, its balances, and what left it today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.ledger.accounts import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import ACCOUNTS, TRANSFERS
from domain.money import Money
from domain.participants.roles import Scope


@dataclass(frozen=True, slots=True)
class WalletBalance:
    currency: str
    available: Money  # what may be spent now
    held: Money  # reserved by holds (withdrawals in flight, escrow, note purchases)

    @property
    def total(self) -> Money:
        return self.available + self.held


async def wallet_account(
    session: AsyncSession, *, owner_id: UUID, currency: str, now: datetime
) -> int:
    return await open_account(
        session, kind=AccountKind.WALLET, currency=currency, owner_id=owner_id, now=now
    )


async def my_wallets(session: AsyncSession, *, actor: Actor) -> list[WalletBalance]:
    """The caller's wallets (an API key needs wallet:read)."""
    owner_id = actor.require_participant()
    actor.require_scope(Scope.WALLET_READ)
    return await wallet_balances(session, owner_id=owner_id)


async def wallet_balances(session: AsyncSession, *, owner_id: UUID) -> list[WalletBalance]:
    """Every wallet of `owner_id`, by currency."""
    rows = await (await session.connection()).execute(
        select(ACCOUNTS)
        .where(ACCOUNTS.c.owner_id == owner_id, ACCOUNTS.c.kind == AccountKind.WALLET.value)
        .order_by(ACCOUNTS.c.currency)
    )
    return [
        WalletBalance(
            currency=row.currency,
            available=Money(
                row.credits_posted - row.debits_posted - row.debits_pending, row.currency
            ),
            held=Money(row.debits_pending, row.currency),
        )
        for row in rows
    ]


async def sent_today(session: AsyncSession, *, account_id: int, reason: str, now: datetime) -> int:
    """Minor units that left `account_id` for `reason` since midnight UTC (holds included,
    voided ones not)."""
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    voided = select(TRANSFERS.c.pending_id).where(
        TRANSFERS.c.kind == "VOID_PENDING", TRANSFERS.c.pending_id.is_not(None)
    )
    query = select(func.coalesce(func.sum(TRANSFERS.c.amount), 0)).where(
        TRANSFERS.c.debit_account_id == account_id,
        TRANSFERS.c.reason == reason,
        TRANSFERS.c.kind.in_(("POSTED", "PENDING")),
        TRANSFERS.c.created_at >= midnight,
        TRANSFERS.c.id.not_in(voided),
    )
    return int((await (await session.connection()).execute(query)).scalar_one())
