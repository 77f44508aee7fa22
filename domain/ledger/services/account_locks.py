"""Finding and locking the accounts of a posting by what they are, in one statement.

A use case that knows its accounts by identity (the payments ESCROW account, a participant's
wallet, a revenue stream) would otherwise look each id up (a round trip apiece) and then lock
them all (one more). Here one SELECT ... FOR UPDATE does both, in id order as lock_accounts
does; only an account never used before costs an INSERT first. A posting whose legs name
their accounts by key (`KeyedLeg`) goes through `post_by_key`: one lock, then the posting.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import (
    Leg,
    LockedAccount,
    Posting,
    locked_account,
    post_transfers,
)


@dataclass(frozen=True, slots=True)
class AccountKey:
    """An account by identity: (kind, owner, currency, label), as ledger_account_identity."""

    kind: AccountKind
    currency: str
    owner_id: UUID | None = None
    label: str = ""


# Owned and platform accounts matched apart: `owner_id IS NOT DISTINCT FROM` would keep
# PostgreSQL from using the identity index (it would walk every wallet of the currency).
# The ids are found first, as one array (an InitPlan, run once), so the rows are locked by a
# scan of ledger_account alone. Joined to the keys instead (`id IN (SELECT ...)`), once the
# table was large enough for a nested loop over the unique-ified ids, PostgreSQL's recheck
# of a row another transaction had updated while we waited dropped it: accounts a
# concurrent posting had just used went missing from the answer.
_LOCK_BY_KEY = text(
    """
    WITH k AS (
        SELECT * FROM jsonb_to_recordset(CAST(:keys AS jsonb))
            AS k(kind text, owner_id uuid, currency text, label text)
    )
    SELECT * FROM ledger_account
    WHERE id = ANY(ARRAY(
        SELECT a.id FROM ledger_account a JOIN k
            ON a.kind = k.kind AND a.owner_id = k.owner_id
           AND a.currency = k.currency AND a.label = k.label
        UNION ALL
        SELECT a.id FROM ledger_account a JOIN k
            ON a.kind = k.kind AND a.owner_id IS NULL AND k.owner_id IS NULL
           AND a.currency = k.currency AND a.label = k.label
    ))
    ORDER BY id
    FOR UPDATE
    """
)


def _key_of(row: LockedAccount, label: str) -> AccountKey:
    return AccountKey(AccountKind(row.kind), row.currency, row.owner_id, label)


async def _lock(
    session: AsyncSession, keys: Collection[AccountKey]
) -> dict[AccountKey, LockedAccount]:
    document = json.dumps(
        [
            {
                "kind": k.kind.value,
                "owner_id": str(k.owner_id) if k.owner_id else None,
                "currency": k.currency,
                "label": k.label,
            }
            for k in keys
        ]
    )
    rows = await (await session.connection()).execute(_LOCK_BY_KEY, {"keys": document})
    return {_key_of(account := locked_account(row), row.label): account for row in rows}


async def lock_accounts_by_key(
    session: AsyncSession, keys: Collection[AccountKey], *, now: datetime
) -> dict[AccountKey, LockedAccount]:
    """Every account of `keys` locked (in id order) until the transaction ends, opened first
    if it does not exist yet (with its kind's limits)."""
    wanted = set(keys)
    locked = await _lock(session, wanted)
    if len(locked) < len(wanted):  # a first use: open what is missing, then lock them all
        # In one order for every transaction: two opening the same accounts in the set's
        # arbitrary orders would each wait on the other's uncommitted insert (a deadlock).
        for key in sorted(wanted - locked.keys(), key=_opening_order):
            await open_by_key(session, key, now=now)
        locked = await _lock(session, wanted)
    return locked


def _opening_order(key: AccountKey) -> tuple[str, str, str, str]:
    return (key.kind.value, key.currency, str(key.owner_id or ""), key.label)


async def open_by_key(session: AsyncSession, key: AccountKey, *, now: datetime) -> int:
    """The account's id, opened first if it does not exist yet (open_account)."""
    return await open_account(
        session,
        kind=key.kind,
        currency=key.currency,
        now=now,
        owner_id=key.owner_id,
        label=key.label,
    )


@dataclass(frozen=True, slots=True)
class KeyedLeg:
    """A Leg between accounts known by identity, before their ids are found."""

    debit: AccountKey
    credit: AccountKey
    amount: int
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


async def post_by_key(
    session: AsyncSession,
    *,
    legs: Sequence[KeyedLeg],
    now: datetime,
    journal_id: UUID | None = None,
) -> Posting:
    """Post `legs` as post_transfers does, their accounts found (opened on first use) and
    locked by one statement, not looked up one by one and locked again. Only the accounts a
    leg moves money between are locked (and told of it, for wallets)."""
    accounts = await lock_accounts_by_key(
        session, {key for leg in legs for key in (leg.debit, leg.credit)}, now=now
    )
    return await post_transfers(
        session,
        legs=[
            Leg(accounts[k.debit].id, accounts[k.credit].id, k.amount, k.reason, k.details)
            for k in legs
        ],
        now=now,
        journal_id=journal_id,
        locked={account.id: account for account in accounts.values()},
    )
