"""Operator mutations on wallets: adjustments (audited, with a reason) and holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import datetime
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.money import currency_of, parse_money
from domain.participants.roles import Role
from domain.wallets.services import operations
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.money import MoneyInput
from graph.payloads import in_unit_of_work, run_mutation
from graph.permissions import allow
from graph.relay import to_global_id, uuid_of


@strawberry.input
class AdjustWalletInput(MoneyInput):
    participant_id: strawberry.ID
    reason: str = strawberry.field(description="Why, in 10..500 characters (audited).")


@strawberry.input
class CreateHoldInput(MoneyInput):
    participant_id: strawberry.ID
    reason: str
    expires_at: datetime | None = None


@strawberry.type
class AdjustmentPayload(IdempotentPayload):
    journal_id: strawberry.ID | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type(description="A hold's state after the operation: PENDING, POSTED or VOIDED.")
class HoldPayload(IdempotentPayload):
    hold_id: strawberry.ID | None = None
    status: str | None = None
    errors: list[UserError] = field(default_factory=list)


def _hold(answer: operations.HoldChanged) -> HoldPayload:
    return HoldPayload(hold_id=to_global_id("Hold", answer.hold_id), status=answer.status)


def _hold_uuid(hold_id: strawberry.ID) -> UUID:
    return uuid_of(hold_id, "Hold")


@strawberry.type
class WalletOperations:
    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: credit (+) or debit (-) a wallet, with a reason.")
    @in_unit_of_work
    async def adjust_wallet(
        self,
        info: Info,
        session: AsyncSession,
        input: AdjustWalletInput,
        idempotency_key: IdempotencyKey,
    ) -> AdjustmentPayload:
        ctx = info.context
        amount = parse_money(input.amount, currency_of(input.currency), field="amount")
        answer = await operations.adjust_wallet(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            participant_id=uuid_of(input.participant_id, "Participant"),
            amount=amount,
            reason=input.reason,
            idempotency_key=idempotency_key,
        )
        return AdjustmentPayload(journal_id=strawberry.ID(str(answer.journal_id)))

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: reserve a participant's funds for a service.")
    @in_unit_of_work
    async def create_hold(
        self,
        info: Info,
        session: AsyncSession,
        input: CreateHoldInput,
        idempotency_key: IdempotencyKey,
    ) -> HoldPayload:
        ctx = info.context
        amount = parse_money(input.amount, currency_of(input.currency), field="amount")
        return _hold(
            await operations.create_hold(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                participant_id=uuid_of(input.participant_id, "Participant"),
                amount=amount,
                reason=input.reason,
                expires_at=input.expires_at,
                idempotency_key=idempotency_key,
            )
        )

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: take all of a hold, or `amount` of it.")
    async def capture_hold(
        self,
        info: Info,
        hold_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
        amount: str | None = None,
        currency: str | None = None,
    ) -> HoldPayload:
        def minor() -> int | None:
            if amount is None:
                return None
            return parse_money(amount, currency_of(currency or ""), field="amount").minor

        return await _resolve(info, hold_id, idempotency_key, capture=True, amount=minor)

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: release a hold in full.")
    async def release_hold(
        self, info: Info, hold_id: strawberry.ID, idempotency_key: IdempotencyKey
    ) -> HoldPayload:
        return await _resolve(info, hold_id, idempotency_key, capture=False, amount=lambda: None)


async def _resolve(
    info: Info,
    hold_id: strawberry.ID,
    idempotency_key: str,
    *,
    capture: bool,
    amount: Callable[[], int | None],
) -> HoldPayload:
    ctx = info.context

    async def use_case(session: AsyncSession) -> HoldPayload:
        return _hold(
            await operations.resolve_hold(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                hold_id=_hold_uuid(hold_id),
                capture=capture,
                amount=amount(),
                idempotency_key=idempotency_key,
            )
        )

    return await run_mutation(info, lambda e: HoldPayload(errors=e), use_case)
