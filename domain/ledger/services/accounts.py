"""Opening ledger accounts: one per (kind, owner, currency, label), created on first use."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import LIMITS, AccountKind
from domain.ledger.services.posting import ACCOUNTS
from domain.money import currency_of

# Built once: building a statement costs SQLAlchemy more than executing a cached one.
# Two forms, not `owner_id IS NOT DISTINCT FROM :owner`: PostgreSQL cannot use the identity
# index for that, and would walk every wallet of the currency to find one.
_SAME = (
    ACCOUNTS.c.kind == bindparam("kind"),
    ACCOUNTS.c.currency == bindparam("currency"),
    ACCOUNTS.c.label == bindparam("label"),
)
_FIND_OWNED = select(ACCOUNTS.c.id).where(
    *_SAME, ACCOUNTS.c.owner_id == bindparam("owner_id", type_=Uuid)
)
_FIND_PLATFORM = select(ACCOUNTS.c.id).where(*_SAME, ACCOUNTS.c.owner_id.is_(None))


async def open_account(
    session: AsyncSession,
    *,
    kind: AccountKind,
    currency: str,
    now: datetime,
    owner_id: UUID | None = None,
    label: str = "",
) -> int:
    """The account's id, creating it with its kind's limits if it does not exist yet."""
    currency_of(currency)
    conn = await session.connection()
    # Almost always the account exists: one SELECT; the INSERT only the first time.
    find = _FIND_PLATFORM if owner_id is None else _FIND_OWNED
    identity = {"kind": kind.value, "owner_id": owner_id, "currency": currency, "label": label}
    account_id = (await conn.execute(find, identity)).scalar()
    if account_id is None:
        limits = LIMITS[kind]
        created = await conn.execute(
            insert(ACCOUNTS)
            .values(
                kind=kind.value,
                currency=currency,
                owner_id=owner_id,
                label=label,
                debits_must_not_exceed_credits=limits.debits_must_not_exceed_credits,
                credits_must_not_exceed_debits=limits.credits_must_not_exceed_debits,
                frozen=False,
                created_at=now,
            )
            .on_conflict_do_nothing(constraint="ledger_account_identity")
            .returning(ACCOUNTS.c.id)
        )
        # None: a concurrent first use created it between our SELECT and INSERT.
        account_id = created.scalar() or (await conn.execute(find, identity)).scalar_one()
    return int(account_id)
