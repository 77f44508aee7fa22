"""Deposits, withdrawals and transfers: each needs an idempotencyKey (retries are safe)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.money import Money, currency_of, parse_money
from domain.wallets import rails
from domain.wallets.services import movements
from domain.wallets.services.accounts import WalletBalance, wallet_balances
from domain.wallets.services.transfer_batch import MoneyMoved, TransferOrder
from graph.context import Info
from graph.errors import user_errors
from graph.idempotency import IdempotencyKey, with_key_use
from graph.money import MoneyInput
from graph.payloads import run_mutation
from graph.permissions import SIGNED_IN, allow
from graph.relay import to_global_id, uuid_of
from graph.wallets.types import MoneyMovementPayload, Wallet


@strawberry.input
class RailInput(MoneyInput):
    method: rails.RailMethod = rails.RailMethod.BANK_CARD


@strawberry.input
class TransferInput(MoneyInput):
    recipient_id: strawberry.ID
    memo: str = ""


def _money(input: MoneyInput) -> Money:
    return parse_money(input.amount, currency_of(input.currency), field="amount")


def _answer_payload(answer: MoneyMoved, wallet: WalletBalance | None) -> MoneyMovementPayload:
    return MoneyMovementPayload(
        status=answer.status,
        journal_id=strawberry.ID(str(answer.journal_id)),
        hold_id=to_global_id("Hold", answer.hold_id) if answer.hold_id is not None else None,
        wallet=Wallet.of(wallet) if wallet else None,
    )


async def _payload(
    session: AsyncSession, info: Info, answer: MoneyMoved, currency: str
) -> MoneyMovementPayload:
    """The payload for an answer (first or replayed), with the wallet as it is now."""
    owner = info.context.actor.require_participant()
    wallets = [w for w in await wallet_balances(session, owner_id=owner) if w.currency == currency]
    return _answer_payload(answer, wallets[0] if wallets else None)


async def _movement(
    info: Info, currency: str, move: Callable[[AsyncSession], Awaitable[MoneyMoved]]
) -> MoneyMovementPayload:
    """Run one money movement as a mutation: its answer with the wallet, or its errors."""

    async def use_case(session: AsyncSession) -> MoneyMovementPayload:
        return await _payload(session, info, await move(session), currency)

    return await run_mutation(info, lambda e: MoneyMovementPayload(errors=e), use_case)


@strawberry.type
class WalletMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(description="Move money from your bank into your wallet.")
    async def deposit(
        self, info: Info, input: RailInput, idempotency_key: IdempotencyKey
    ) -> MoneyMovementPayload:
        ctx = info.context
        return await _movement(
            info,
            input.currency,
            lambda session: movements.deposit(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                rail=ctx.rail,
                amount=_money(input),
                method=input.method,
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Move money from your wallet to your bank.")
    async def withdraw(
        self, info: Info, input: RailInput, idempotency_key: IdempotencyKey
    ) -> MoneyMovementPayload:
        ctx = info.context
        return await _movement(
            info,
            input.currency,
            lambda session: movements.withdraw(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                rail=ctx.rail,
                amount=_money(input),
                method=input.method,
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Send money from your wallet to another participant's.")
    async def transfer(
        self, info: Info, input: TransferInput, idempotency_key: IdempotencyKey
    ) -> MoneyMovementPayload:
        ctx = info.context
        try:
            order = TransferOrder(
                actor=ctx.actor,
                recipient_id=uuid_of(input.recipient_id, "Participant"),
                amount=_money(input),
                idempotency_key=idempotency_key,
                memo=input.memo,
            )
            result = await ctx.transfers.submit(order)  # batched with concurrent transfers
        except DomainError as error:
            return MoneyMovementPayload(errors=user_errors(error))
        try:
            answer = result.unwrap()
        except DomainError as error:
            return with_key_use(MoneyMovementPayload(errors=user_errors(error)), result.key_use)
        if result.wallet is not None:  # a first execution: the wallet as its batch left it
            return with_key_use(_answer_payload(answer, result.wallet), result.key_use)
        payload = await run_mutation(  # a replay: the wallet as it is now
            info,
            lambda e: MoneyMovementPayload(errors=e),
            lambda session: _payload(session, info, answer, input.currency),
        )
        return with_key_use(payload, result.key_use)
