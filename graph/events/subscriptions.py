"""Event subscriptions: one typed field per event type, and the generic stream.

Adding a typed subscription: the event's payload dataclass (domain/<context>/events.py), a
GraphQL type with a `from_stream(event)` that reads it (graph/events/types.py, TYPED_EVENTS,
declared @viewer_independent so that its subscribers share one result: graph/events/
sharing.py), a TypedEvent below, and one line in EventSubscriptions with its @allow.
"""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from domain.events.catalog import EventType as Type
from domain.participants.roles import Scope
from graph.context import Info
from graph.events.following import AFTER, TypedEvent, follow, typed_subscription
from graph.events.sharing import shared_event
from graph.events.types import TYPED_EVENTS, Event, EventType
from graph.permissions import SIGNED_IN, allow

DESCRIPTIONS: dict[Type, str] = {
    Type.WALLET_CHANGED: "Your wallets' balances, each time a posting touches one "
    "(operators: everyone's).",
    Type.MATCH_CREATED: "Matches of loan listings and BNPL purchases with their funders that "
    "concern you.",
    Type.LOAN_FUNDED: "Loans you borrow or fund, once fully funded.",
    Type.REPAYMENT_RECEIVED: "Repayments on loans and BNPL plans you owe or fund.",
    Type.INSTALLMENT_DUE: "Installments of your loans and BNPL plans falling due.",
    Type.LOAN_DEFAULTED: "Loans you borrow, fund or cover, as they default.",
    Type.PAYMENT_UPDATED: "Payments you make or take, as their state changes.",
    Type.PAYOUT_UPDATED: "Your payouts, as their state changes.",
    Type.CAMPAIGN_UPDATED: "Campaigns you run or back, as their progress or state changes "
    "(one campaign's with campaignId).",
    Type.PLEDGE_UPDATED: "Your pledges, and pledges to your campaigns, as they change.",
    Type.KYC_DECIDED: "Decisions on your KYC submissions (operators: everyone's).",
    Type.POLICY_UPDATED: "Policies you hold or underwrite, as they are issued, cancelled, "
    "expire or are claimed out.",
    Type.CLAIM_UPDATED: "Claims you filed, are paid by or decide, as they are opened, "
    "decided and paid.",
    Type.RISK_THRESHOLD_CROSSED: "Operators: risk thresholds (liquidity, cover, "
    "concentration) crossed, into breach or back within their limits.",
    Type.RECEIVABLE_UPDATED: "Invoices you registered, or that suppliers registered on you, "
    "as they are confirmed, rejected, credited or paid.",
    Type.CERTIFICATE_UPDATED: "Receivable certificates you hold, sold, funded or owe, as they "
    "are split, transferred, financed, age overdue or are paid.",
    Type.FUND_INCOME_POSTED: "Asset managers: each day's income posted to your funds' "
    "holders (one fund's with fundId).",
    Type.FUND_REDEMPTION_UPDATED: "Your fund redemptions (asset managers: your funds'), as "
    "they are asked for and paid.",
    Type.PLAN_MATURED: "Lending plans you are in, as they mature (their notes on the "
    "secondary market) and exit (your payout paid).",
    Type.PLAN_EXIT_UPDATED: "Your early exits from lending plans, as their notes sell and "
    "what they bring is paid to you (PENDING, PARTLY_SOLD, DONE).",
    Type.PLACEMENT_UPDATED: "Advertisers: your placements, as they are created, charged a "
    "batch and end (budget spent, end passed or cancelled).",
}


def typed_event(event_type: Type) -> TypedEvent:
    graphql_type = TYPED_EVENTS[event_type]
    return TypedEvent(event_type, graphql_type, graphql_type.from_stream, DESCRIPTIONS[event_type])


WALLET_CHANGED = typed_event(Type.WALLET_CHANGED)
MATCH_CREATED = typed_event(Type.MATCH_CREATED)
LOAN_FUNDED = typed_event(Type.LOAN_FUNDED)
REPAYMENT_RECEIVED = typed_event(Type.REPAYMENT_RECEIVED)
INSTALLMENT_DUE = typed_event(Type.INSTALLMENT_DUE)
LOAN_DEFAULTED = typed_event(Type.LOAN_DEFAULTED)
PAYMENT_UPDATED = typed_event(Type.PAYMENT_UPDATED)
PAYOUT_UPDATED = typed_event(Type.PAYOUT_UPDATED)
KYC_DECIDED = typed_event(Type.KYC_DECIDED)


LENDING_EVENTS = {Scope.EVENTS_READ, Scope.OFFERS_READ}


@strawberry.type
class EventSubscriptions:
    # A key follows what it may read: balances need wallet:read, payments payments:read, and
    # lending (matches, loans, repayments, defaults) offers:read, as portfolio and
    # fundedLoans do; payouts payouts:read.
    wallet_changed = allow(SIGNED_IN, key={Scope.EVENTS_READ, Scope.WALLET_READ})(
        typed_subscription(WALLET_CHANGED)
    )
    match_created = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(MATCH_CREATED))
    loan_funded = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(LOAN_FUNDED))
    repayment_received = allow(SIGNED_IN, key=LENDING_EVENTS)(
        typed_subscription(REPAYMENT_RECEIVED)
    )
    installment_due = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(INSTALLMENT_DUE))
    loan_defaulted = allow(SIGNED_IN, key=LENDING_EVENTS)(typed_subscription(LOAN_DEFAULTED))
    payment_updated = allow(SIGNED_IN, key={Scope.EVENTS_READ, Scope.PAYMENTS_READ})(
        typed_subscription(PAYMENT_UPDATED)
    )
    payout_updated = allow(SIGNED_IN, key={Scope.EVENTS_READ, Scope.PAYOUTS_READ})(
        typed_subscription(PAYOUT_UPDATED)
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
            yield shared_event(event, Event.from_stream)

    kyc_decided = allow(SIGNED_IN, key={Scope.EVENTS_READ, Scope.PROFILE_READ})(
        typed_subscription(KYC_DECIDED)
    )
