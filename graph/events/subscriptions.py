"""Event subscriptions: one typed field per event users wait for, and the generic stream.

Adding a typed subscription: a GraphQL type with a `from_stream(event)` (graph/events/types.py),
a TypedEvent below, and one line in EventSubscriptions.
"""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from domain.events.catalog import EventType as Type
from domain.participants.roles import Scope
from graph.context import Info
from graph.events.following import AFTER, TypedEvent, follow, typed_subscription
from graph.events.types import (
    Event,
    EventType,
    InstallmentDueEvent,
    LoanFundedEvent,
    MatchCreatedEvent,
    PaymentUpdatedEvent,
    RepaymentReceivedEvent,
    WalletChangedEvent,
)
from graph.permissions import SIGNED_IN, allow

WALLET_CHANGED = TypedEvent(
    Type.WALLET_CHANGED, WalletChangedEvent, WalletChangedEvent.from_stream,
    "Your wallets' balances, each time a posting touches one (operators: everyone's).",
)  # fmt: skip
MATCH_CREATED = TypedEvent(
    Type.MATCH_CREATED, MatchCreatedEvent, MatchCreatedEvent.of,
    "Matches of loan listings and BNPL purchases with their funders that concern you.",
)  # fmt: skip
LOAN_FUNDED = TypedEvent(
    Type.LOAN_FUNDED, LoanFundedEvent, LoanFundedEvent.of,
    "Loans you borrow or fund, once fully funded.",
)  # fmt: skip
REPAYMENT_RECEIVED = TypedEvent(
    Type.REPAYMENT_RECEIVED, RepaymentReceivedEvent, RepaymentReceivedEvent.of,
    "Repayments on loans and BNPL plans you owe or fund.",
)  # fmt: skip
INSTALLMENT_DUE = TypedEvent(
    Type.INSTALLMENT_DUE, InstallmentDueEvent, InstallmentDueEvent.of,
    "Installments of your loans and BNPL plans falling due.",
)  # fmt: skip
PAYMENT_UPDATED = TypedEvent(
    Type.PAYMENT_UPDATED, PaymentUpdatedEvent, PaymentUpdatedEvent.of,
    "Payments you make or take, as their state changes.",
)  # fmt: skip


LENDING_EVENTS = {Scope.EVENTS_READ, Scope.OFFERS_READ}


@strawberry.type
class EventSubscriptions:
    # A key follows what it may read: balances need wallet:read, payments payments:read, and
    # lending (matches, loans, repayments) offers:read, as portfolio and fundedLoans do.
    wallet_changed = allow(SIGNED_IN, key={Scope.EVENTS_READ, Scope.WALLET_READ})(
        typed_subscription(WALLET_CHANGED)
    )
    match_created = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(MATCH_CREATED))
    loan_funded = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(LOAN_FUNDED))
    repayment_received = allow(SIGNED_IN, key=LENDING_EVENTS)(
        typed_subscription(REPAYMENT_RECEIVED)
    )
    installment_due = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(INSTALLMENT_DUE))
    payment_updated = allow(SIGNED_IN, key={Scope.EVENTS_READ, Scope.PAYMENTS_READ})(
        typed_subscription(PAYMENT_UPDATED)
    )

    @allow(SIGNED_IN, key=Scope.EVENTS_READ)
    @strawberry.subscription(
        description="Every event you may see (of `types`, or all), in order; resumable."
    )
    async def events(
        self,
        info: Info,
        types: list[EventType] | None = None,  # type: ignore[valid-type]
        after: Annotated[str | None, AFTER] = None,
    ) -> AsyncGenerator[Event, None]:
        async for event in follow(info, types, after):
            yield Event.from_stream(event)
