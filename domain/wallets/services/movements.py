"""Money in, out and between wallets; each idempotent, limited by KYC level, and audited.

Each use case answers what moved (MoneyMoved), the result run_once keeps for replays.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.service import run_once
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.holds import post_hold, void_hold
from domain.ledger.services.posting import Leg, Posting, post_transfers
from domain.money import Money
from domain.participants.kyc import KycLevel
from domain.participants.tables import Participant
from domain.wallets.errors import RailDeclined
from domain.wallets.limits import check_daily, daily_cap
from domain.wallets.rails import PaymentRail, RailMethod, RailOutcome
from domain.wallets.services.accounts import wallet_account
from domain.wallets.services.transfer_batch import (
    MoneyMoved,
    TransferOrder,
    check_order,
    transfer_batch,
)

# A withdrawal's hold lasts until the bank answers; a week covers the slowest rail.
WITHDRAWAL_HOLD = timedelta(days=7)


async def settlement_account(
    session: AsyncSession, currency: str, method: RailMethod, now: datetime
) -> int:
    """Money in flight with the outside world, one account per rail and currency."""
    return await open_account(
        session, kind=AccountKind.SETTLEMENT, currency=currency, now=now, label=method.value
    )


def _within_daily_limit(
    posting: Posting, wallet: int, reason: str, level: KycLevel, operation: str, amount: Money
) -> None:
    """Refuse (rolling the posting back with the use case) what passes today's limit. The
    posting counted itself in the day's outflow under the wallet's lock, so concurrent
    movements of one wallet each see the others'."""
    used_before = posting.outflow_today[wallet, reason] - amount.minor
    check_daily(level=level, operation=operation, used_today=used_before, amount=amount)


def _positive(amount: Money) -> None:
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")


async def _participant(session: AsyncSession, participant_id: UUID) -> Participant:
    participant = await session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("no such participant", field="recipient_id")
    return participant


async def transfer(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    recipient_id: UUID,
    amount: Money,
    idempotency_key: str,
    memo: str = "",
) -> MoneyMoved:
    """Wallet to wallet, between participants, in one currency: a batch of one (the API
    batches concurrent transfers through a TransferQueue)."""
    order = TransferOrder(actor, recipient_id, amount, idempotency_key, memo)
    check_order(order)
    [result] = await transfer_batch(session, clock=clock, orders=[order])
    return result.unwrap()


async def deposit(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    rail: PaymentRail,
    amount: Money,
    method: RailMethod,
    idempotency_key: str,
) -> MoneyMoved:
    """Collect from the participant's bank through the rail, then credit the wallet."""
    owner_id = actor.require_person()
    _positive(amount)

    async def execute() -> MoneyMoved:
        now = clock.now()
        reference = uuid4().hex
        result = await rail.collect(reference=reference, amount=amount, method=method)
        if result.outcome is RailOutcome.FAILED:
            raise RailDeclined(result.failure_reason or "the bank declined", field="amount")
        if result.outcome is RailOutcome.PENDING:
            raise RailDeclined("the bank has not confirmed; try again later", field="amount")
        wallet = await wallet_account(session, owner_id=owner_id, currency=amount.currency, now=now)
        settlement = await settlement_account(session, amount.currency, method, now)
        journal = uuid4()
        [transfer_id] = await post_transfers(
            session,
            now=now,
            journal_id=journal,
            legs=[
                Leg(
                    settlement,
                    wallet,
                    amount.minor,
                    "DEPOSIT",
                    {"rail_reference": result.rail_reference},
                )
            ],
        )
        record(
            session,
            actor=actor,
            action="wallet.deposit",
            outcome=Outcome.SUCCESS,
            at=now,
            details={
                "amount": amount.minor,
                "currency": amount.currency,
                "rail_reference": result.rail_reference,
            },
        )
        return MoneyMoved(journal_id=journal, transfer_id=transfer_id, status="SUCCEEDED")

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wallet.deposit",
        request={"amount": amount.minor, "currency": amount.currency, "method": method.value},
        execute=execute,
        answer=MoneyMoved,
    )


async def withdraw(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    rail: PaymentRail,
    amount: Money,
    method: RailMethod,
    idempotency_key: str,
) -> MoneyMoved:
    """Hold the funds, pay out through the rail, then post the hold (or void it on failure).
    A pending answer keeps the hold until the bank confirms."""
    owner_id = actor.require_person()
    _positive(amount)

    async def execute() -> MoneyMoved:
        now = clock.now()
        owner = await _participant(session, owner_id)
        wallet = await wallet_account(session, owner_id=owner_id, currency=amount.currency, now=now)
        settlement = await settlement_account(session, amount.currency, method, now)
        level = KycLevel(owner.kyc_level)
        daily_cap(level=level, operation="withdrawal")  # an unverified owner withdraws nothing
        journal = uuid4()
        posting = await post_transfers(
            session,
            legs=[Leg(wallet, settlement, amount.minor, "WITHDRAWAL")],
            now=now,
            journal_id=journal,
            kind=TransferKind.PENDING,
            expires_at=now + WITHDRAWAL_HOLD,
        )
        _within_daily_limit(posting, wallet, "WITHDRAWAL", level, "withdrawal", amount)
        [hold] = posting
        result = await rail.pay_out(reference=str(hold), amount=amount, method=method)
        if result.outcome is RailOutcome.FAILED:
            await void_hold(session, hold_id=hold, now=now)
            raise RailDeclined(
                result.failure_reason or "the bank refused the payout", field="amount"
            )
        status = "PENDING"
        if result.outcome is RailOutcome.SUCCEEDED:
            await post_hold(session, hold_id=hold, now=now)
            status = "SUCCEEDED"
        record(
            session,
            actor=actor,
            action="wallet.withdraw",
            outcome=Outcome.SUCCESS,
            at=now,
            details={
                "amount": amount.minor,
                "currency": amount.currency,
                "status": status,
                "rail_reference": result.rail_reference,
            },
        )
        return MoneyMoved(journal_id=journal, hold_id=hold, status=status)

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wallet.withdraw",
        request={"amount": amount.minor, "currency": amount.currency, "method": method.value},
        execute=execute,
        answer=MoneyMoved,
    )
