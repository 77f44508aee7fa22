"""The operator's and the platform's own wallet operations: adjustments and holds.

Adjustments correct a wallet against the ADJUSTMENT account, always with a reason, always
audited; holds reserve a participant's funds for a platform service (escrow, a note
purchase), then are captured into platform escrow or released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.holds import post_hold, void_hold
from domain.ledger.services.posting import TRANSFERS, Leg, post_transfers
from domain.money import Money
from domain.participants.tables import Participant
from domain.wallets.services.accounts import wallet_account

MIN_REASON, MAX_REASON = 10, 500


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise InvalidInput(f"state why in {MIN_REASON}..{MAX_REASON} characters", field="reason")
    return reason


async def _wallet_of(
    session: AsyncSession, participant_id: UUID, currency: str, now: datetime
) -> int:
    if await session.get(Participant, participant_id) is None:
        raise NotFound("no such participant", field="participant_id")
    return await wallet_account(session, owner_id=participant_id, currency=currency, now=now)


@dataclass(frozen=True, slots=True)
class WalletAdjusted(StoredAnswer):
    """An operator's adjustment, posted as the journal `journal_id`; `status` SUCCEEDED."""

    journal_id: UUID
    status: str


@dataclass(frozen=True, slots=True)
class HoldChanged(StoredAnswer):
    """A hold as an operation left it: `status` PENDING (made), POSTED or VOIDED."""

    hold_id: UUID
    status: str


async def adjust_wallet(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    participant_id: UUID,
    amount: Money,
    reason: str,
    idempotency_key: str,
) -> WalletAdjusted:
    """Credit (amount > 0) or debit (amount < 0) a wallet against ADJUSTMENT; operators only."""
    actor.require_operator()
    reason = _reason(reason)
    if amount.minor == 0:
        raise InvalidInput("must not be zero", field="amount")

    async def execute() -> WalletAdjusted:
        now = clock.now()
        wallet = await _wallet_of(session, participant_id, amount.currency, now)
        adjustments = await open_account(
            session,
            kind=AccountKind.ADJUSTMENT,
            currency=amount.currency,
            now=now,
            label="operator",
        )
        debit, credit = (adjustments, wallet) if amount.minor > 0 else (wallet, adjustments)
        journal = uuid4()
        await post_transfers(
            session,
            legs=[Leg(debit, credit, abs(amount.minor), "ADJUSTMENT", {"reason": reason})],
            now=now,
            journal_id=journal,
        )
        details = {"amount": amount.minor, "currency": amount.currency, "reason": reason}
        record(
            session,
            actor=actor,
            action="wallet.adjust",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Participant",
            target_id=participant_id,
            details=details,
        )
        return WalletAdjusted(journal_id=journal, status="SUCCEEDED")

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wallet.adjust",
        request={
            "participant": str(participant_id),
            "amount": amount.minor,
            "currency": amount.currency,
            "reason": reason,
        },
        execute=execute,
        answer=WalletAdjusted,
    )


async def create_hold(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    participant_id: UUID,
    amount: Money,
    reason: str,
    expires_at: datetime | None,
    idempotency_key: str,
) -> HoldChanged:
    """Reserve `amount` of a wallet for a platform service; capture or release it later."""
    actor.require_operator()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidInput("must include a time zone", field="expires_at")

    async def execute() -> HoldChanged:
        now = clock.now()
        wallet = await _wallet_of(session, participant_id, amount.currency, now)
        escrow = await open_account(
            session, kind=AccountKind.ESCROW, currency=amount.currency, now=now, label="platform"
        )
        [hold] = await post_transfers(
            session,
            legs=[Leg(wallet, escrow, amount.minor, "HOLD", {"reason": reason[:200]})],
            now=now,
            kind=TransferKind.PENDING,
            expires_at=expires_at,
        )
        details = {"hold": str(hold), "amount": amount.minor, "currency": amount.currency}
        record(
            session,
            actor=actor,
            action="hold.create",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Participant",
            target_id=participant_id,
            details=details,
        )
        return HoldChanged(hold_id=hold, status="PENDING")

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="hold.create",
        request={
            "participant": str(participant_id),
            "amount": amount.minor,
            "currency": amount.currency,
            "reason": reason,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        execute=execute,
        answer=HoldChanged,
    )


async def resolve_hold(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    hold_id: UUID,
    capture: bool,
    amount: int | None,
    idempotency_key: str,
) -> HoldChanged:
    """Capture (all, or `amount` minor units) or release a hold; operators only."""
    actor.require_operator()
    exists = await (await session.connection()).execute(
        select(TRANSFERS.c.id).where(TRANSFERS.c.id == hold_id, TRANSFERS.c.kind == "PENDING")
    )
    if exists.first() is None:
        raise NotFound("no such hold", field="hold_id")

    async def execute() -> HoldChanged:
        now = clock.now()
        if capture:
            await post_hold(session, hold_id=hold_id, now=now, amount=amount)
        else:
            await void_hold(session, hold_id=hold_id, now=now)
        record(
            session,
            actor=actor,
            action="hold.capture" if capture else "hold.release",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Hold",
            target_id=hold_id,
            details={"amount": amount},
        )
        return HoldChanged(hold_id=hold_id, status="POSTED" if capture else "VOIDED")

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="hold.capture" if capture else "hold.release",
        request={"hold": str(hold_id), "amount": amount},
        execute=execute,
        answer=HoldChanged,
    )
