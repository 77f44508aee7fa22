"""Finding participants' wallets and their balances."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ARRAY, Uuid, and_, any_, bindparam, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import ACCOUNTS, LockedAccount, locked_account
from domain.money import Money
from domain.participants.roles import Scope
from domain.participants.tables import Participant

PARTICIPANTS = Participant.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class WalletBalance:
    currency: str
    available: Money  # what may be spent now
    held: Money  # reserved by holds (withdrawals in flight, escrow, note purchases)

    @property
    def total(self) -> Money:
        return self.available + self.held


def wallet_key(owner_id: UUID, currency: str) -> AccountKey:
    """A participant's wallet in `currency`, by identity (lock_accounts_by_key, post_by_key)."""
    return AccountKey(AccountKind.WALLET, currency, owner_id=owner_id)


async def wallet_account(
    session: AsyncSession, *, owner_id: UUID, currency: str, now: datetime
) -> int:
    return await open_account(
        session, kind=AccountKind.WALLET, currency=currency, owner_id=owner_id, now=now
    )


# Statements built once (building one costs SQLAlchemy more than executing it cached).
_OWNERS = PARTICIPANTS.c.id == any_(bindparam("owner_ids", type_=ARRAY(Uuid)))
_LOCK_WALLETS = (
    select(PARTICIPANTS.c.id.label("holder"), PARTICIPANTS.c.kyc_level, ACCOUNTS)
    .join(
        ACCOUNTS,
        and_(
            ACCOUNTS.c.owner_id == PARTICIPANTS.c.id,
            ACCOUNTS.c.kind == AccountKind.WALLET.value,
            ACCOUNTS.c.currency == bindparam("currency"),
            ACCOUNTS.c.label == "",
        ),
    )
    .where(_OWNERS)
    .order_by(ACCOUNTS.c.id)
    .with_for_update(of=ACCOUNTS)
)
_KNOWN = select(PARTICIPANTS.c.id).where(_OWNERS)
_WALLETS_OF = (
    select(ACCOUNTS)
    .where(
        ACCOUNTS.c.owner_id == bindparam("owner_id"),
        ACCOUNTS.c.kind == AccountKind.WALLET.value,
    )
    .order_by(ACCOUNTS.c.currency)
)


@dataclass(frozen=True, slots=True)
class Holder:
    """A participant as a money movement needs them: verification level and locked wallet."""

    kyc_level: int
    wallet: LockedAccount


async def lock_wallets(
    session: AsyncSession, *, owner_ids: Collection[UUID], currency: str, now: datetime
) -> dict[UUID, Holder]:
    """The participants among `owner_ids` that exist, with their wallets in `currency`
    locked in id order (as lock_accounts locks them): one SELECT ... FOR UPDATE of the
    columns needed. A wallet not opened yet is opened first."""
    conn = await session.connection()
    wanted = {"owner_ids": list(owner_ids), "currency": currency}
    rows = (await conn.execute(_LOCK_WALLETS, wanted)).all()
    if len(rows) < len(set(owner_ids)):  # a first wallet in this currency, or no such person
        for owner_id in (await conn.execute(_KNOWN, wanted)).scalars():
            await wallet_account(session, owner_id=owner_id, currency=currency, now=now)
        rows = (await conn.execute(_LOCK_WALLETS, wanted)).all()
    return {row.holder: Holder(row.kyc_level, locked_account(row)) for row in rows}


async def my_wallets(session: AsyncSession, *, actor: Actor) -> list[WalletBalance]:
    """The caller's wallets (an API key needs wallet:read)."""
    owner_id = actor.require_participant()
    actor.require_scope(Scope.WALLET_READ)
    return await wallet_balances(session, owner_id=owner_id)


async def wallet_balances(session: AsyncSession, *, owner_id: UUID) -> list[WalletBalance]:
    """Every wallet of `owner_id`, by currency."""
    rows = await (await session.connection()).execute(_WALLETS_OF, {"owner_id": owner_id})
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
