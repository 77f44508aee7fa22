"""Reading payments: one by id, a merchant's list, its split rules and its fee plan; the
operator's dispute queue."""

from __future__ import annotations

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.money import currency_of
from domain.participants.roles import Role, Scope
from domain.payments.services import disputes, intents
from domain.payments.tables import Dispute as DisputeRow
from domain.payments.tables import PaymentIntent as IntentRow
from domain.revenue.services import fee_plans, split_rules
from graph.context import Info
from graph.hardening.policy import page_size
from graph.payments.types import (
    Dispute,
    MerchantFeePlan,
    PaymentIntent,
    PaymentRefund,
    PaymentState,
    SplitRule,
)
from graph.permissions import SIGNED_IN, allow
from graph.relay import optional_uuid_of, uuid_of


@strawberry.type
class PaymentQueries:
    @allow(SIGNED_IN, key=Scope.PAYMENTS_READ, looks_missing=True)
    @strawberry.field(
        description="A payment you made, received or share in (null if not yours or none). "
        "An unpaid one is visible to any signed-in person with its id: it is the checkout link."
    )
    async def payment_intent(self, info: Info, id: strawberry.ID) -> PaymentIntent | None:
        async with info.context.db() as session:
            try:
                row = await intents.get_payment(
                    session, actor=info.context.actor, payment_id=uuid_of(id, "PaymentIntent")
                )
            except DomainError:
                return None
        return PaymentIntent.of(row)

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_READ)
    @strawberry.field(description="Merchants: your payments, newest first.")
    async def payment_intents(
        self, info: Info, state: PaymentState | None = None, first: int | None = None
    ) -> list[PaymentIntent]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await intents.merchant_payments(
                session,
                actor=info.context.actor,
                limit=limit,
                state=state,
            )
        return [PaymentIntent.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.PAYMENTS_READ, looks_missing=True)
    @strawberry.field(description="The refunds of a payment you can see, oldest first.")
    async def payment_refunds(self, info: Info, payment_id: strawberry.ID) -> list[PaymentRefund]:
        async with info.context.db() as session:
            try:
                rows = await intents.payment_refunds(
                    session,
                    actor=info.context.actor,
                    payment_id=uuid_of(payment_id, "PaymentIntent"),
                )
            except DomainError:
                return []
        return [PaymentRefund.of(row) for row in rows]

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_READ)
    @strawberry.field(description="Merchants: your split rules in use.")
    async def split_rules(self, info: Info) -> list[SplitRule]:
        async with info.context.db() as session:
            rows = await split_rules.list_split_rules(session, actor=info.context.actor)
        return [SplitRule.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.PAYMENTS_READ)
    @strawberry.field(
        description="A merchant's fee plan in a currency: merchants their own (no id), "
        "operators anyone's."
    )
    async def merchant_fee_plan(
        self, info: Info, currency: str, merchant_id: strawberry.ID | None = None
    ) -> MerchantFeePlan:
        currency_of(currency)
        async with info.context.db() as session:
            terms = await fee_plans.visible_terms(
                session,
                actor=info.context.actor,
                currency=currency,
                merchant_id=optional_uuid_of(merchant_id, "Participant"),
            )
        return MerchantFeePlan.of(terms)

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: disputes, oldest first (open ones by default).")
    async def payment_disputes(self, info: Info, open_only: bool = True) -> list[Dispute]:
        async with info.context.db() as session:
            rows = await disputes.payment_disputes(
                session, actor=info.context.actor, open_only=open_only
            )
            return await disputes_view(session, rows)


async def disputes_view(session: AsyncSession, rows: list[DisputeRow]) -> list[Dispute]:
    """The disputes in the currencies of their payments."""
    currencies = {}
    for row in rows:
        intent = await session.get(IntentRow, row.payment_id)
        currencies[row.id] = intent.currency if intent else "CNY"
    return [Dispute.of(row, currencies[row.id]) for row in rows]
