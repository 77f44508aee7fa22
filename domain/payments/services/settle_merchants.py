"""Daily settlement: each merchant's payable lines become one batch, and its payout goes out.

Any number of workers may run it. Merchants are settled MERCHANTS_PER_TRANSACTION at a time,
each step one statement for all of them (their fee terms, their lines, what their last
batches carried, the batch rows, the lines marked, their wallets locked), their payouts kept
apart. The unsettled lines are taken FOR UPDATE SKIP LOCKED (a worker never waits on, or
takes, lines another holds), and the batch row, UNIQUE per merchant, currency and day, is
the claim: a second batch of the same day is never written, so running the job again does
nothing.

The payout leaves the merchant's wallet for the bank-transfer settlement account. The wallet
is locked and checked to hold it before the bank is asked; then the bank's answer decides:
paid, the transfer is posted; pending, it is a hold until the worker hears from the bank
(domain/payments/services/payouts.py); refused (or a wallet short of it), nothing leaves and
the amount is carried into the next batch. Each payout records payments.payout_updated.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock, today
from domain.events.services.outbox import record_events
from domain.ledger.balances import TransferKind, apply
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.ledger.services.posting import Leg, LockedAccount, check_pair
from domain.ledger.services.posting_batch import PostingBatch
from domain.money import Money
from domain.payments.services.accounts import rail_key
from domain.payments.services.payouts import fail_payout, payout_updated_row
from domain.payments.services.settlement_queries import (
    CARRIED_IN,
    CLAIM_BATCHES,
    MARK_LINES,
    MERCHANTS_TO_SETTLE,
    PAYABLE_LINES,
)
from domain.payments.settlement import (
    EntryKind,
    SettlementBatch,
    SettlementEntry,
    is_payout_day,
    settle_merchant,
)
from domain.payments.tables import Payout, SettlementLine
from domain.revenue.services.fee_plans import terms_of_merchants
from domain.unit_of_work import transaction
from domain.wallets.rails import PaymentRail, RailMethod, RailOutcome
from domain.wallets.services.accounts import wallet_key

# Enough merchants to share the statements' cost, few enough that their wallets are not
# held long (sales crediting them wait for the commit).
MERCHANTS_PER_TRANSACTION = 50

Pair = tuple[UUID, str]  # a merchant and a currency


def line_entry(line: SettlementLine | Any) -> SettlementEntry:
    """The pure entry of a settlement line (a row, or a row read by PAYABLE_LINES)."""
    c = line.currency
    return SettlementEntry(
        EntryKind(line.kind),
        str(line.reference_id),
        line.occurred_on,
        Money(line.gross, c),
        Money(line.fee, c),
        Money(line.splits, c),
    )


@dataclass
class _Batch:
    id: UUID
    merchant_id: UUID
    settled: SettlementBatch
    carried_in: int
    line_ids: list[int]


def _document(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), default=str)  # UUIDs and dates as ISO text


async def _batches(session: AsyncSession, pairs: Sequence[Pair], day: date) -> list[_Batch]:
    """The batches due today of `pairs`, computed from their lines and carried balances."""
    terms = await terms_of_merchants(session, pairs)
    due = sorted(pair for pair in pairs if is_payout_day(day, terms[pair].schedule))
    if not due:
        return []
    document = _document(
        [
            {
                "merchant_id": m,
                "currency": c,
                "through": day - timedelta(days=terms[m, c].schedule.delay_days),
            }
            for m, c in due
        ]
    )
    conn = await session.connection()
    lines: dict[Pair, list[Any]] = defaultdict(list)
    for row in await conn.execute(PAYABLE_LINES, {"due": document}):
        lines[row.merchant_id, row.currency].append(row)
    carried = {
        (row.merchant_id, row.currency): int(row.carried_out)
        for row in await conn.execute(CARRIED_IN, {"due": document, "day": day})
    }
    batches = []
    for merchant_id, currency in due:
        found, carried_in = lines[merchant_id, currency], carried.get((merchant_id, currency), 0)
        if not found and carried_in == 0:
            continue
        settled = settle_merchant(
            merchant_id=str(merchant_id),
            entries=[line_entry(line) for line in found],
            on=day,
            schedule=terms[merchant_id, currency].schedule,
            carried_in=Money(carried_in, currency),
        )
        batches.append(_Batch(uuid4(), merchant_id, settled, carried_in, [r.id for r in found]))
    return batches


async def _claim(session: AsyncSession, batches: list[_Batch], now: datetime) -> list[_Batch]:
    """Write the batch rows no worker wrote today and mark their lines; those batches."""
    if not batches:
        return []
    conn = await session.connection()
    rows = [
        {
            "id": b.id,
            "merchant_id": b.merchant_id,
            "currency": s.payout.currency,
            "settled_on": s.settled_on,
            "gross": s.gross.minor,
            "refunds": s.refunds.minor,
            "fees": s.fees.minor,
            "splits": s.splits.minor,
            "net": s.net.minor,
            "carried_in": b.carried_in,
            "payout": s.payout.minor,
            "carried_out": s.carried_out.minor,
            "lines": len(b.line_ids),
            "created_at": now,
        }
        for b in batches
        for s in (b.settled,)
    ]
    written = set((await conn.execute(CLAIM_BATCHES, {"batches": _document(rows)})).scalars())
    claimed = [b for b in batches if b.id in written]
    marks = [{"batch_id": b.id, "lines": b.line_ids} for b in claimed if b.line_ids]
    if marks:
        await conn.execute(MARK_LINES, {"batches": _document(marks)})
    return claimed


def _holds(wallet: LockedAccount, bank: LockedAccount, amount: int) -> bool:
    """Whether the wallet may pay `amount` out, by the ledger's own limit rule."""
    check_pair(wallet, bank)  # a frozen account refuses before the bank is asked
    after, _ = apply(TransferKind.POSTED, wallet.balances, bank.balances, amount)
    return wallet.limits.allow(after)


async def _pay_out(
    session: AsyncSession,
    batch: _Batch,
    *,
    wallet: LockedAccount,
    bank: LockedAccount,
    rail: PaymentRail,
    postings: PostingBatch,
) -> Payout:
    amount, now = batch.settled.payout, postings.now
    payout = Payout(
        merchant_id=batch.merchant_id,
        batch_id=batch.id,
        amount=amount.minor,
        currency=amount.currency,
        state="PENDING",
        created_at=now,
        updated_at=now,
    )
    if not _holds(wallet, bank, amount.minor):  # the merchant spent it: all is carried over
        await fail_payout(session, payout, "the merchant's wallet does not hold the payout")
        return payout
    result = await rail.pay_out(
        reference=str(payout.id), amount=amount, method=RailMethod.BANK_TRANSFER
    )
    payout.rail_reference = result.rail_reference
    if result.outcome is RailOutcome.FAILED:
        await fail_payout(session, payout, result.failure_reason or "the bank refused the payout")
        return payout
    pending = result.outcome is RailOutcome.PENDING
    leg = Leg(wallet.id, bank.id, amount.minor, "PAYOUT", {"batch": str(batch.id)})
    transfer = postings.add(
        leg, wallet, bank, TransferKind.PENDING if pending else TransferKind.POSTED
    )
    if pending:
        payout.hold_id = transfer
    else:
        payout.state = "PAID"
    return payout


async def settle_merchants(
    session: AsyncSession, *, pairs: Sequence[Pair], clock: Clock, rail: PaymentRail
) -> int:
    """Settle these merchants' day in the caller's transaction; how many batches were written
    (none for a merchant whose payout day it is not, with nothing payable, or already settled
    today)."""
    now, day = clock.now(), today(clock)
    claimed = await _claim(session, await _batches(session, pairs, day), now)
    paying = [b for b in claimed if b.settled.payout.minor > 0]
    if paying:
        keys = {wallet_key(b.merchant_id, b.settled.payout.currency) for b in paying}
        keys |= {rail_key(b.settled.payout.currency, RailMethod.BANK_TRANSFER) for b in paying}
        accounts = await lock_accounts_by_key(session, keys, now=now)
        payouts, postings = [], PostingBatch(now)
        for b in paying:
            currency = b.settled.payout.currency
            payouts.append(
                await _pay_out(
                    session,
                    b,
                    wallet=accounts[wallet_key(b.merchant_id, currency)],
                    bank=accounts[rail_key(currency, RailMethod.BANK_TRANSFER)],
                    rail=rail,
                    postings=postings,
                )
            )
        await postings.write(session)
        session.add_all(payouts)
        await session.flush()
        await record_events(session, [payout_updated_row(p, now) for p in payouts])
    return len(claimed)


async def run_settlement(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, rail: PaymentRail
) -> int:
    """Settle every merchant with unsettled lines or a carried balance; batches written."""
    async with transaction(sessions) as session:
        pairs = [
            (row.merchant_id, row.currency)
            for row in await (await session.connection()).execute(MERCHANTS_TO_SETTLE)
        ]
    written = 0
    for start in range(0, len(pairs), MERCHANTS_PER_TRANSACTION):
        async with transaction(sessions) as session:
            chunk = pairs[start : start + MERCHANTS_PER_TRANSACTION]
            settled = await settle_merchants(session, pairs=chunk, clock=clock, rail=rail)
            written += settled
    return written
