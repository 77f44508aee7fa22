"""Daily settlement: each merchant's payable lines become one batch, and its payout goes out.

Any number of workers may run it. Per merchant and currency, one transaction: the unsettled
lines are taken FOR UPDATE SKIP LOCKED (a worker never waits on, or takes, lines another
holds), and the batch row, UNIQUE per merchant, currency and day, is the claim: a second
batch of the same day is never written, so running the job again does nothing.

The payout is a hold on the merchant's wallet towards the bank-transfer settlement account:
posted when the bank pays, voided (the money stays in the wallet) when it refuses, and then
carried into the next batch, with a payments.payout_updated event telling the merchant; a
pending answer keeps the hold until the worker hears from the bank
(domain/payments/services/payouts.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock, today
from domain.ledger.balances import TransferKind
from domain.ledger.errors import InsufficientFunds
from domain.ledger.services.posting import Leg, post_transfers
from domain.money import Money
from domain.payments.services.payouts import answer_payout, fail_payout, record_payout_updated
from domain.payments.settlement import (
    EntryKind,
    SettlementBatch,
    SettlementEntry,
    is_payout_day,
    settle_merchant,
)
from domain.payments.tables import Payout, SettlementBatchRow, SettlementLine
from domain.revenue.services.fee_plans import merchant_terms
from domain.wallets.rails import PaymentRail, RailMethod
from domain.wallets.services.accounts import wallet_account
from domain.wallets.services.movements import settlement_account

BATCHES = SettlementBatchRow.__table__  # type: ignore[attr-defined]
LINES = SettlementLine.__table__  # type: ignore[attr-defined]

# Merchants with lines to settle, or with a balance carried from their last batch.
MERCHANTS_TO_SETTLE = text(
    """
    SELECT merchant_id, currency FROM settlement_line WHERE batch_id IS NULL
    UNION
    SELECT merchant_id, currency FROM (
        SELECT DISTINCT ON (merchant_id, currency) merchant_id, currency, carried_out
        FROM settlement_batch ORDER BY merchant_id, currency, settled_on DESC
    ) last WHERE carried_out <> 0
    """
)


async def _carried_in(session: AsyncSession, merchant_id: UUID, currency: str, day: date) -> int:
    last = (
        await session.exec(
            select(SettlementBatchRow.carried_out)
            .where(
                col(SettlementBatchRow.merchant_id) == merchant_id,
                col(SettlementBatchRow.currency) == currency,
                col(SettlementBatchRow.settled_on) < day,
            )
            .order_by(col(SettlementBatchRow.settled_on).desc())
            .limit(1)
            .with_for_update()  # a payout refused meanwhile carries into it: wait for that
        )
    ).first()
    return int(last or 0)


async def _payable_lines(
    session: AsyncSession, merchant_id: UUID, currency: str, through: date
) -> list[SettlementLine]:
    query = (
        select(SettlementLine)
        .where(
            col(SettlementLine.merchant_id) == merchant_id,
            col(SettlementLine.currency) == currency,
            col(SettlementLine.batch_id).is_(None),
            col(SettlementLine.occurred_on) <= through,
        )
        .order_by(col(SettlementLine.id))
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


def line_entry(line: SettlementLine) -> SettlementEntry:
    c = line.currency
    return SettlementEntry(
        EntryKind(line.kind), str(line.reference_id), line.occurred_on,
        Money(line.gross, c), Money(line.fee, c), Money(line.splits, c),
    )  # fmt: skip


async def _claim_batch(
    session: AsyncSession, merchant_id: UUID, currency: str, day: date, now: datetime
) -> UUID | None:
    """The day's batch row for the merchant, if no worker wrote it before (else None)."""
    claimed = await (await session.connection()).execute(
        insert(BATCHES)
        .values(
            id=uuid4(),
            merchant_id=merchant_id,
            currency=currency,
            settled_on=day,
            gross=0,
            refunds=0,
            fees=0,
            splits=0,
            net=0,
            carried_in=0,
            payout=0,
            carried_out=0,
            lines=0,
            created_at=now,
        )
        .on_conflict_do_nothing(constraint="settlement_batch_day")
        .returning(BATCHES.c.id)
    )
    found: UUID | None = claimed.scalar()
    return found


async def settle_merchant_day(
    session: AsyncSession, *, merchant_id: UUID, currency: str, clock: Clock, rail: PaymentRail
) -> UUID | None:
    """Settle one merchant's day in the caller's transaction; the batch id, or None if there
    was nothing to do (not a payout day, nothing payable, or already settled today)."""
    now, day = clock.now(), today(clock)
    terms = await merchant_terms(session, merchant_id=merchant_id, currency=currency)
    if not is_payout_day(day, terms.schedule):
        return None
    through = day - timedelta(days=terms.schedule.delay_days)
    lines = await _payable_lines(session, merchant_id, currency, through)
    carried_in = await _carried_in(session, merchant_id, currency, day)
    if not lines and carried_in == 0:
        return None
    batch_id = await _claim_batch(session, merchant_id, currency, day, now)
    if batch_id is None:
        return None
    batch = settle_merchant(
        merchant_id=str(merchant_id), entries=[line_entry(line) for line in lines], on=day,
        schedule=terms.schedule, carried_in=Money(carried_in, currency),
    )  # fmt: skip
    conn = await session.connection()
    await conn.execute(
        update(BATCHES).where(BATCHES.c.id == batch_id).values(
            gross=batch.gross.minor, refunds=batch.refunds.minor, fees=batch.fees.minor,
            splits=batch.splits.minor, net=batch.net.minor, carried_in=carried_in,
            payout=batch.payout.minor, carried_out=batch.carried_out.minor, lines=len(lines),
        )
    )  # fmt: skip
    if lines:
        await conn.execute(
            update(LINES)
            .where(LINES.c.id.in_([line.id for line in lines]))
            .values(batch_id=batch_id)
        )
    if batch.payout.minor > 0:
        await _pay_out(session, batch_id, batch, merchant_id=merchant_id, rail=rail, now=now)
    return batch_id


async def _pay_out(
    session: AsyncSession,
    batch_id: UUID,
    batch: SettlementBatch,
    *,
    merchant_id: UUID,
    rail: PaymentRail,
    now: datetime,
) -> None:
    amount, currency = batch.payout, batch.payout.currency
    payout = Payout(merchant_id=merchant_id, batch_id=batch_id, amount=amount.minor,
                    currency=currency, state="PENDING", created_at=now, updated_at=now)  # fmt: skip
    wallet = await wallet_account(session, owner_id=merchant_id, currency=currency, now=now)
    bank = await settlement_account(session, currency, RailMethod.BANK_TRANSFER, now)
    try:
        async with session.begin_nested():
            [hold] = await post_transfers(
                session, legs=[Leg(wallet, bank, amount.minor, "PAYOUT", {"batch": str(batch_id)})],
                now=now, kind=TransferKind.PENDING,
            )  # fmt: skip
    except InsufficientFunds:
        hold = None  # the merchant spent its balance: nothing leaves, all is carried over
    if hold is None:
        await fail_payout(session, payout, "the merchant's wallet does not hold the payout")
    else:
        payout.hold_id = hold
        result = await rail.pay_out(reference=str(payout.id), amount=amount,
                                    method=RailMethod.BANK_TRANSFER)  # fmt: skip
        payout.rail_reference = result.rail_reference
        await answer_payout(session, payout, result, now=now)
    session.add(payout)
    await session.flush()
    await record_payout_updated(session, payout, now)


async def run_settlement(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, rail: PaymentRail
) -> int:
    """Settle every merchant with unsettled lines, one transaction each; batches written."""
    async with sessions() as session:
        pairs = list((await (await session.connection()).execute(MERCHANTS_TO_SETTLE)).all())
    written = 0
    for merchant_id, currency in pairs:
        async with sessions() as session:
            if await settle_merchant_day(session, merchant_id=merchant_id, currency=currency,
                                         clock=clock, rail=rail) is not None:  # fmt: skip
                await session.commit()
                written += 1
    return written
