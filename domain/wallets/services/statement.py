"""A wallet's statement: every journal entry that touched it, newest first."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.posting import ACCOUNTS, TRANSFERS
from domain.money import Money
from domain.participants.roles import Scope
from domain.services.keyset import newest_first


@dataclass(frozen=True, slots=True)
class StatementEntry:
    id: UUID
    at: datetime
    kind: str  # POSTED, PENDING (a hold), POST_PENDING, VOID_PENDING
    reason: str  # DEPOSIT, WITHDRAWAL, P2P, ESCROW, ...
    incoming: bool
    amount: Money
    journal_id: UUID


async def statement(
    session: AsyncSession,
    *,
    actor: Actor,
    currency: str | None,
    limit: int,
    before: tuple[datetime, UUID] | None = None,
    reason: str | None = None,
    ids: Collection[UUID] | None = None,
) -> list[StatementEntry]:
    """The caller's entries in `currency` (None: every currency), keyset-paginated on (time,
    id) descending; only the transfers of `ids` when given."""
    owner_id = actor.require_participant()
    actor.require_scope(Scope.WALLET_READ)
    conn = await session.connection()
    mine = select(ACCOUNTS.c.id).where(
        ACCOUNTS.c.owner_id == owner_id, ACCOUNTS.c.kind == AccountKind.WALLET.value
    )
    if currency is not None:
        mine = mine.where(ACCOUNTS.c.currency == currency)
    wallets = set((await conn.execute(mine)).scalars())
    if not wallets:
        return []
    t = TRANSFERS.c
    query = select(TRANSFERS).where(
        or_(t.debit_account_id.in_(wallets), t.credit_account_id.in_(wallets))
    )
    if reason is not None:
        query = query.where(t.reason == reason)
    if ids is not None:
        query = query.where(t.id.in_(ids))
    query = newest_first(query, t.created_at, t.id, after=before, limit=limit)
    return [
        StatementEntry(
            id=row.id,
            at=row.created_at,
            kind=row.kind,
            reason=row.reason,
            incoming=row.credit_account_id in wallets,
            amount=Money(row.amount, row.currency),
            journal_id=row.journal_id,
        )
        for row in await conn.execute(query)
    ]
