"""Posting transfers: all legs of an operation in one transaction, or none.

Accounts are locked in id order (no deadlocks between operations touching the same
accounts), balances are checked in memory against each account's limits, then transfers are
inserted and balances written back. SQLAlchemy Core, not the ORM: this is the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import ARRAY, BigInteger, any_, bindparam, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import Balances, Limits, TransferKind, apply
from domain.ledger.errors import AccountFrozen, CurrencyMismatch, InsufficientFunds
from domain.ledger.services.journal_writes import write_posting
from domain.ledger.services.outflow import Outflow, outflow_rows
from domain.ledger.tables import LedgerAccount, LedgerTransfer
from domain.ledger.wallet_events import wallet_changes

ACCOUNTS = LedgerAccount.__table__  # type: ignore[attr-defined]
TRANSFERS = LedgerTransfer.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Leg:
    """Move `amount` minor units from `debit_account` to `credit_account`."""

    debit_account: int
    credit_account: int
    amount: int
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class LockedAccount:
    id: int
    currency: str
    kind: str
    owner_id: UUID | None
    frozen: bool
    limits: Limits
    balances: Balances


# Built once: building a statement costs SQLAlchemy more than executing a cached one.
_LOCK = (
    select(ACCOUNTS)
    .where(ACCOUNTS.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
    .order_by(ACCOUNTS.c.id)
    .with_for_update()
)


def locked_account(row: Any) -> LockedAccount:
    """A row of ledger_account's columns, selected FOR UPDATE."""
    return LockedAccount(
        id=row.id,
        currency=row.currency,
        kind=row.kind,
        owner_id=row.owner_id,
        frozen=row.frozen,
        limits=Limits(row.debits_must_not_exceed_credits, row.credits_must_not_exceed_debits),
        balances=Balances(
            row.debits_pending, row.debits_posted, row.credits_pending, row.credits_posted
        ),
    )


async def lock_accounts(session: AsyncSession, ids: set[int]) -> dict[int, LockedAccount]:
    """Row locks on `ids`, always taken in id order; missing ids are simply absent."""
    rows = await (await session.connection()).execute(_LOCK, {"ids": sorted(ids)})
    return {row.id: locked_account(row) for row in rows}


def _validate(leg: Leg) -> None:
    if leg.amount <= 0:
        raise InvalidInput("must be greater than zero", field="amount")
    if leg.debit_account == leg.credit_account:
        raise InvalidInput("debit and credit accounts must differ", field="credit_account")


def check_pair(
    debit: LockedAccount | None, credit: LockedAccount | None
) -> tuple[LockedAccount, LockedAccount]:
    if debit is None or credit is None:
        raise InvalidInput("no such ledger account", field="account")
    if debit.currency != credit.currency:
        raise CurrencyMismatch(f"cannot move {debit.currency} into a {credit.currency} account")
    if debit.frozen or credit.frozen:
        raise AccountFrozen("the account is frozen")
    return debit, credit


def move(
    kind: TransferKind, debit: LockedAccount, credit: LockedAccount, amount: int, held: int = 0
) -> None:
    """Apply one transfer to locked accounts in memory; InsufficientFunds if a limit breaks."""
    new_debit, new_credit = apply(kind, debit.balances, credit.balances, amount, held)
    if not debit.limits.allow(new_debit):
        raise InsufficientFunds("insufficient funds", field="amount")
    if not credit.limits.allow(new_credit):
        raise InsufficientFunds("the receiving account cannot take this amount", field="amount")
    debit.balances, credit.balances = new_debit, new_credit


def is_wallet(account: LockedAccount) -> bool:
    return account.kind == AccountKind.WALLET.value


async def write_back(
    session: AsyncSession,
    accounts: Sequence[LockedAccount],
    *,
    journal_id: UUID,
    reason: str,
    now: datetime,
    transfers: Sequence[dict[str, Any]] = (),
    outflows: Sequence[Outflow] = (),
) -> dict[tuple[int, str], int]:
    """Store the new balances (with the transfers that made them and what they took out of
    wallets today), and tell each wallet's owner how their wallet changed. The daily
    outflow totals of `outflows`' wallets, these included."""
    return await write_posting(
        session,
        transfers=transfers,
        balances=[{"id": a.id, **asdict(a.balances)} for a in accounts],
        outflows=outflow_rows(outflows),
        events=wallet_changes(accounts, journal_id=journal_id, reason=reason, now=now),
    )


def transfer_row(
    leg: Leg,
    currency: str,
    journal_id: UUID,
    kind: TransferKind,
    now: datetime,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """A ledger_transfer row for `leg` (a new id), as write_posting takes it."""
    return {
        "id": uuid4(),
        "journal_id": journal_id,
        "kind": kind.value,
        "debit_account_id": leg.debit_account,
        "credit_account_id": leg.credit_account,
        "amount": leg.amount,
        "currency": currency,
        "reason": leg.reason,
        "pending_id": None,
        "expires_at": expires_at,
        "created_at": now,
        "details": leg.details,
    }


class Posting(list[UUID]):
    """The posted transfers' ids, in the order of the legs; and what left each debited wallet
    today by (wallet, reason), this posting included, which the daily limits read (a limit
    refused rolls the posting back with the use case)."""

    def __init__(self, transfer_ids: list[UUID], outflow_today: dict[tuple[int, str], int]):
        super().__init__(transfer_ids)
        self.outflow_today = outflow_today


async def post_transfers(
    session: AsyncSession,
    *,
    legs: Sequence[Leg],
    now: datetime,
    journal_id: UUID | None = None,
    kind: TransferKind = TransferKind.POSTED,
    expires_at: datetime | None = None,
    locked: Mapping[int, LockedAccount] | None = None,
) -> Posting:
    """Post every leg (or hold, with kind=PENDING) under one journal id; all or nothing.
    `locked`: the legs' accounts, when the caller has locked them already (in id order, as
    lock_accounts does), saving a round trip."""
    if not legs:
        raise InvalidInput("an operation needs at least one leg", field="legs")
    if kind not in (TransferKind.POSTED, TransferKind.PENDING):
        raise ValueError("resolve holds with post_hold / void_hold")
    if expires_at is not None and (kind is not TransferKind.PENDING or expires_at <= now):
        raise InvalidInput("only a hold expires, and only in the future", field="expires_at")
    for leg in legs:
        _validate(leg)
    ids = {a for leg in legs for a in (leg.debit_account, leg.credit_account)}
    accounts = dict(locked) if locked is not None else await lock_accounts(session, ids)
    journal = journal_id or uuid4()
    rows = []
    for leg in legs:
        debit, credit = check_pair(
            accounts.get(leg.debit_account), accounts.get(leg.credit_account)
        )
        move(kind, debit, credit, leg.amount)
        rows.append(transfer_row(leg, debit.currency, journal, kind, now, expires_at))
    # What leaves wallets counts toward their owners' daily limits.
    outflows = [
        Outflow(leg.debit_account, leg.reason, leg.amount, now)
        for leg in legs
        if is_wallet(accounts[leg.debit_account])
    ]
    totals = await write_back(
        session,
        list(accounts.values()),
        journal_id=journal,
        reason=legs[0].reason,
        now=now,
        transfers=rows,
        outflows=outflows,
    )
    return Posting([row["id"] for row in rows], totals)
