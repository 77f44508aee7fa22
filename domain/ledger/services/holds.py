"""Two-phase transfers: a hold (pending transfer) is posted, in full or in part, or voided.

A hold resolves at most once, even when a post and a void race: both lock the hold's
accounts first, so the second sees the first's resolution; and the UNIQUE pending_id of the
journal refuses a second resolution should anything slip past.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import ARRAY, Uuid, any_, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.errors import HoldExpired, HoldNotPending
from domain.ledger.services.journal_writes import write_posting
from domain.ledger.services.outflow import Outflow, give_back
from domain.ledger.services.posting import TRANSFERS, is_wallet, lock_accounts, move, write_back
from domain.ledger.services.revenue_days import count_revenue
from domain.ledger.wallet_events import wallet_changes
from domain.money import Money

REVENUE = AccountKind.PLATFORM_REVENUE.value


async def _pending(session: AsyncSession, hold_id: UUID):  # type: ignore[no-untyped-def]
    hold = (
        await (await session.connection()).execute(
            select(TRANSFERS).where(TRANSFERS.c.id == hold_id)
        )
    ).first()
    if hold is None or hold.kind != TransferKind.PENDING.value:
        raise HoldNotPending("no such pending hold")
    return hold


async def _resolved(session: AsyncSession, hold_id: UUID) -> bool:
    found = await (await session.connection()).execute(
        select(TRANSFERS.c.id).where(TRANSFERS.c.pending_id == hold_id)
    )
    return found.first() is not None


async def _resolve(
    session: AsyncSession,
    *,
    hold_id: UUID,
    now: datetime,
    kind: TransferKind,
    amount: int | None,
    reason: str,
) -> UUID:
    """Insert the transfer resolving a hold (after locking its accounts); its id."""
    hold = await _pending(session, hold_id)
    accounts = await lock_accounts(session, {hold.debit_account_id, hold.credit_account_id})
    if await _resolved(session, hold_id):
        raise HoldNotPending("this hold was already posted, voided or expired")
    if kind is TransferKind.POST_PENDING and hold.expires_at is not None and hold.expires_at <= now:
        raise HoldExpired("the hold expired before it was posted")
    moved = hold.amount if amount is None else amount
    if not 0 < moved <= hold.amount:
        least, most = Money(1, hold.currency).text(), Money(hold.amount, hold.currency).text()
        raise InvalidInput(f"must be within {least}..{most}", field="amount")
    debit, credit = accounts[hold.debit_account_id], accounts[hold.credit_account_id]
    move(kind, debit, credit, moved, held=hold.amount)
    resolution = uuid4()
    try:
        async with session.begin_nested():
            await (await session.connection()).execute(
                insert(TRANSFERS).values(
                    id=resolution,
                    journal_id=hold.journal_id,
                    kind=kind.value,
                    debit_account_id=debit.id,
                    credit_account_id=credit.id,
                    amount=moved,
                    currency=hold.currency,
                    reason=reason,
                    pending_id=hold_id,
                    expires_at=None,
                    created_at=now,
                    details={},
                )
            )
    except IntegrityError:
        raise HoldNotPending("this hold was already posted, voided or expired") from None
    if kind is TransferKind.POST_PENDING and REVENUE in (debit.kind, credit.kind):
        captured = {"kind": kind.value, "debit_account_id": debit.id, "amount": moved}
        await count_revenue(
            session, [{**captured, "credit_account_id": credit.id, "created_at": now}]
        )
    if kind is TransferKind.VOID_PENDING and is_wallet(debit):
        # A released hold gives back what it took of its day's limit.
        await give_back(session, Outflow(debit.id, hold.reason, hold.amount, hold.created_at))
    await write_back(
        session, [debit, credit], journal_id=hold.journal_id, reason=hold.reason, now=now
    )
    return resolution


async def post_hold(
    session: AsyncSession, *, hold_id: UUID, now: datetime, amount: int | None = None
) -> UUID:
    """Capture the hold: all of it, or `amount` of it with the rest released."""
    return await _resolve(
        session,
        hold_id=hold_id,
        now=now,
        kind=TransferKind.POST_PENDING,
        amount=amount,
        reason="POST",
    )


async def void_hold(
    session: AsyncSession, *, hold_id: UUID, now: datetime, expired: bool = False
) -> UUID:
    """Release the hold in full (`expired` when the worker times it out)."""
    return await _resolve(
        session,
        hold_id=hold_id,
        now=now,
        kind=TransferKind.VOID_PENDING,
        amount=None,
        reason="EXPIRED" if expired else "VOID",
    )


async def post_holds(session: AsyncSession, *, hold_ids: Sequence[UUID], now: datetime) -> None:
    """Capture several holds in full at once (a loan's funders, when it is fully funded)."""
    await _resolve_all(session, hold_ids=hold_ids, now=now, kind=TransferKind.POST_PENDING)


async def void_holds(session: AsyncSession, *, hold_ids: Sequence[UUID], now: datetime) -> None:
    """Release several holds in full at once (a failed campaign's pledges)."""
    await _resolve_all(session, hold_ids=hold_ids, now=now, kind=TransferKind.VOID_PENDING)


# One array parameter whatever the number of holds (an IN list stops at 32,767 parameters:
# a campaign has more backers than that).
_IDS = bindparam("ids", type_=ARRAY(Uuid))
_HOLDS = select(TRANSFERS).where(TRANSFERS.c.id == any_(_IDS))
_ANY_RESOLVED = select(TRANSFERS.c.id).where(TRANSFERS.c.pending_id == any_(_IDS)).limit(1)


async def _resolve_all(
    session: AsyncSession, *, hold_ids: Sequence[UUID], now: datetime, kind: TransferKind
) -> None:
    """Resolve several holds in full at once: one read of the holds, one lock of all their
    accounts in id order, one write, where a hold at a time takes seven round trips each."""
    if not hold_ids:
        return
    conn = await session.connection()
    found = await conn.execute(_HOLDS, {"ids": list(hold_ids)})
    holds = {hold.id: hold for hold in found}
    if len(holds) != len(set(hold_ids)) or any(
        hold.kind != TransferKind.PENDING.value for hold in holds.values()
    ):
        raise HoldNotPending("no such pending hold")
    ids = {a for hold in holds.values() for a in (hold.debit_account_id, hold.credit_account_id)}
    accounts = await lock_accounts(session, ids)
    resolved = await conn.execute(_ANY_RESOLVED, {"ids": list(hold_ids)})
    if resolved.first() is not None:
        raise HoldNotPending("a hold was already posted, voided or expired")
    posting = kind is TransferKind.POST_PENDING
    rows, events, released = [], [], []
    for hold_id in hold_ids:
        hold = holds[hold_id]
        if posting and hold.expires_at is not None and hold.expires_at <= now:
            raise HoldExpired("the hold expired before it was posted")
        debit, credit = accounts[hold.debit_account_id], accounts[hold.credit_account_id]
        move(kind, debit, credit, hold.amount, held=hold.amount)
        rows.append(
            {
                "id": uuid4(),
                "journal_id": hold.journal_id,
                "kind": kind.value,
                "debit_account_id": debit.id,
                "credit_account_id": credit.id,
                "amount": hold.amount,
                "currency": hold.currency,
                "reason": "POST" if posting else "VOID",
                "pending_id": hold_id,
                "expires_at": None,
                "created_at": now,
                "details": {},
            }
        )
        if not posting and is_wallet(debit):
            # A released hold gives back what it took of its day's limit.
            released.append(Outflow(debit.id, hold.reason, hold.amount, hold.created_at))
        events += wallet_changes(
            [debit, credit], journal_id=hold.journal_id, reason=hold.reason, now=now
        )
    await give_back(session, *released)
    # No savepoint: the accounts are locked and nothing resolved these holds; should the
    # UNIQUE pending_id still refuse one, the whole use case fails, as it must.
    await write_posting(
        session,
        transfers=rows,
        outflows=[],
        events=events,
        balances=[{"id": a.id, **asdict(a.balances)} for a in accounts.values()],
    )
