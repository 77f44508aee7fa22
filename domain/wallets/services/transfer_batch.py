"""Wallet-to-wallet transfers, many in one transaction (group commit).

Concurrent transfers share one transaction and a fixed number of statements, whatever their
number: every key is claimed at once, every wallet locked at once (in id order, so two
batches wait for each other and never deadlock), the transfers decided one after another in
memory in arrival order, exactly as if each ran alone, then written together: the journal,
the balances, the daily counters, the `wallet.changed` events, the audit rows and every
key's answer. A refused transfer writes nothing but its refusal (kept for its key); the
others go on. Nothing is acknowledged before the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, entry_row, record_rows
from domain.clock import Clock
from domain.errors import DomainError, InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import Claim, KeyUse, answer_each, claim_of
from domain.ledger.balances import TransferKind
from domain.ledger.services.outflow import Outflow, outflow_today
from domain.ledger.services.posting import Leg, LockedAccount, check_pair, move, transfer_row
from domain.ledger.services.posting_batch import write_postings
from domain.ledger.wallet_events import wallet_changes
from domain.money import Money
from domain.participants.kyc import KycLevel
from domain.wallets.limits import check_daily, daily_cap
from domain.wallets.services.accounts import Holder, WalletBalance, lock_wallets

OPERATION = "wallet.transfer"
REASON = "P2P"
MAX_MEMO = 140


@dataclass(frozen=True, slots=True)
class TransferOrder:
    """A participant's request to send `amount` to `recipient_id`."""

    actor: Actor
    recipient_id: UUID
    amount: Money
    idempotency_key: str
    memo: str = ""

    @property
    def sender_id(self) -> UUID:
        return self.actor.require_person()

    def claim(self) -> Claim:
        request = {
            "to": str(self.recipient_id),
            "amount": self.amount.minor,
            "currency": self.amount.currency,
            "memo": self.memo,
        }
        return claim_of(self.actor, self.idempotency_key, OPERATION, request)


def check_order(order: TransferOrder) -> None:
    """What is wrong with the request itself, before anything is claimed or locked."""
    sender = order.sender_id
    if order.amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")
    if order.recipient_id == sender:
        raise InvalidInput("send to someone else", field="recipient_id")
    if len(order.memo) > MAX_MEMO:
        raise InvalidInput(f"must be at most {MAX_MEMO} characters", field="memo")
    order.claim()  # a malformed key is refused here


@dataclass(frozen=True, slots=True)
class MoneyMoved(StoredAnswer):
    """Money moved in or out of a wallet or between wallets: by the journal `journal_id`, as
    the posted `transfer_id` or, while the bank has not confirmed a withdrawal, the `hold_id`
    on the wallet; `status` SUCCEEDED or PENDING."""

    journal_id: UUID
    status: str
    transfer_id: UUID | None = None
    hold_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class TransferResult:
    """A transfer's answer (first or replayed) or its refusal, and how its key was answered;
    on a first attempt, the sender's wallet as the batch left it."""

    answer: MoneyMoved | None = None
    refusal: DomainError | None = None
    wallet: WalletBalance | None = None
    key_use: KeyUse | None = None

    def unwrap(self) -> MoneyMoved:
        if self.refusal is not None:
            raise self.refusal
        assert self.answer is not None
        return self.answer


def _balance(account: LockedAccount) -> WalletBalance:
    b = account.balances
    return WalletBalance(
        currency=account.currency,
        available=Money(b.available_credit, account.currency),
        held=Money(b.debits_pending, account.currency),
    )


@dataclass
class _Batch:
    """What the batch's decided transfers will write."""

    now: datetime
    used_today: dict[int, int]  # what left each sender's wallet today, as decided so far
    transfers: list[dict[str, Any]]
    events: list[dict[str, Any]]
    outflows: list[Outflow]
    touched: dict[int, LockedAccount]
    audit: list[dict[str, Any]]


def _decide(batch: _Batch, holders: dict[UUID, Holder], order: TransferOrder) -> MoneyMoved:
    """Apply one transfer to the locked wallets in memory, or refuse it changing nothing."""
    sender, recipient = holders.get(order.sender_id), holders.get(order.recipient_id)
    if sender is None or recipient is None:
        raise NotFound("no such participant", field="recipient_id")
    level = KycLevel(sender.kyc_level)
    daily_cap(level=level, operation="transfer")  # an unverified sender moves nothing
    source, target = check_pair(sender.wallet, recipient.wallet)
    before = source.balances, target.balances
    move(TransferKind.POSTED, source, target, order.amount.minor)
    try:
        check_daily(
            level=level,
            operation="transfer",
            used_today=batch.used_today[source.id],
            amount=order.amount,
        )
    except DomainError:
        source.balances, target.balances = before
        raise
    batch.used_today[source.id] += order.amount.minor
    journal = uuid4()
    leg = Leg(source.id, target.id, order.amount.minor, REASON, {"memo": order.memo})
    row = transfer_row(leg, source.currency, journal, TransferKind.POSTED, batch.now)
    batch.transfers.append(row)
    batch.outflows.append(Outflow(source.id, REASON, leg.amount, batch.now))
    pair = sorted((source, target), key=lambda account: account.id)
    batch.events += wallet_changes(pair, journal_id=journal, reason=REASON, now=batch.now)
    batch.touched.update({source.id: source, target.id: target})
    batch.audit.append(
        entry_row(
            actor=order.actor,
            action=OPERATION,
            outcome=Outcome.SUCCESS,
            at=batch.now,
            target_type="Participant",
            target_id=order.recipient_id,
            details={"amount": leg.amount, "currency": source.currency},
        )
    )
    return MoneyMoved(journal_id=journal, transfer_id=row["id"], status="SUCCEEDED")


async def transfer_batch(
    session: AsyncSession, *, clock: Clock, orders: list[TransferOrder]
) -> list[TransferResult]:
    """Run `orders` (checked, one currency, distinct keys) in the session's transaction; the
    caller commits. One result per order, in order."""
    if len({order.amount.currency for order in orders}) > 1:
        raise ValueError("a batch moves one currency")
    if not orders:
        return []
    now = clock.now()

    async def prepare(fresh: list[int]) -> tuple[_Batch, dict[UUID, Holder]]:
        owners = {p for i in fresh for p in (orders[i].sender_id, orders[i].recipient_id)}
        holders = await lock_wallets(
            session, owner_ids=owners, currency=orders[0].amount.currency, now=now
        )
        senders = [holders[o.sender_id].wallet.id for o in orders if o.sender_id in holders]
        outflows = await outflow_today(session, senders, REASON, now)
        return _Batch(now, outflows, [], [], [], {}, []), holders

    async def decide(prepared: tuple[_Batch, dict[UUID, Holder]], i: int) -> MoneyMoved:
        return _decide(*prepared, orders[i])

    keyed, prepared = await answer_each(
        await session.connection(),
        [order.claim() for order in orders],
        now,
        answer=MoneyMoved,
        prepare=prepare,
        decide=decide,
    )
    holders: dict[UUID, Holder] = {}
    if prepared.value is not None:
        batch, holders = prepared.value
        if batch.transfers:
            await write_postings(
                session,
                transfers=batch.transfers,
                accounts=batch.touched.values(),
                outflows=batch.outflows,
                events=batch.events,
            )
            await record_rows(session, batch.audit)
    return [
        _with_wallet(TransferResult(r.answer, r.refusal, key_use=r.key_use), order, holders)
        for r, order in zip(keyed, orders, strict=True)
    ]


def _with_wallet(
    result: TransferResult, order: TransferOrder, holders: dict[UUID, Holder]
) -> TransferResult:
    sender = holders.get(order.sender_id)
    if sender is None or result.answer is None:
        return result
    return TransferResult(
        answer=result.answer, wallet=_balance(sender.wallet), key_use=result.key_use
    )
