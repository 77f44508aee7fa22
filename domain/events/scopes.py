"""What an API key needs, besides `events:read`, to receive each event type: the read scope
of the event's subject, so an event tells a key nothing its queries would refuse it.

One line per event type (a test checks the table covers the catalog). People are not
concerned: they receive every event that concerns them, whatever their roles.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.actors import Actor, ActorKind
from domain.events.catalog import EventType
from domain.participants.roles import Scope

EVENT_READ_SCOPES: dict[EventType, Scope] = {
    EventType.WALLET_CHANGED: Scope.WALLET_READ,  # balances, as wallet queries show them
    EventType.MATCH_CREATED: Scope.OFFERS_READ,  # loans and their funding, as myLoans shows
    EventType.LOAN_FUNDED: Scope.OFFERS_READ,
    EventType.REPAYMENT_RECEIVED: Scope.OFFERS_READ,
    EventType.INSTALLMENT_DUE: Scope.OFFERS_READ,
    EventType.LOAN_DEFAULTED: Scope.OFFERS_READ,
    EventType.PAYMENT_UPDATED: Scope.PAYMENTS_READ,  # payment intents
    EventType.PAYOUT_UPDATED: Scope.PAYOUTS_READ,  # payouts and settlement reports
    # Campaigns and pledges, as myCampaigns and myPledges show them to their keys.
    EventType.CAMPAIGN_UPDATED: Scope.PROFILE_READ,
    EventType.PLEDGE_UPDATED: Scope.PROFILE_READ,
    # A decision on one's own KYC: the kycStatus and kycLevel `me` shows a key.
    EventType.KYC_DECIDED: Scope.PROFILE_READ,
    # Policies and claims, as myPolicies, insurerPolicies and insuranceClaims show them.
    EventType.POLICY_UPDATED: Scope.PROFILE_READ,
    EventType.CLAIM_UPDATED: Scope.PROFILE_READ,
    # Operators' alone (an empty audience): a key never receives one.
    EventType.RISK_THRESHOLD_CROSSED: Scope.WALLET_READ,
    # Receivables and certificates: suppliers, core enterprises and the banks that fund them.
    EventType.RECEIVABLE_UPDATED: Scope.PROFILE_READ,
    EventType.CERTIFICATE_UPDATED: Scope.PROFILE_READ,
    # A fund's days and redemptions, as managedFunds shows them to its manager's keys.
    EventType.FUND_INCOME_POSTED: Scope.FUNDS_READ,
    EventType.FUND_REDEMPTION_UPDATED: Scope.FUNDS_READ,
    # A lending plan's maturity and exit, to each of its investors (their keys: as funds).
    EventType.PLAN_MATURED: Scope.FUNDS_READ,
    EventType.PLAN_EXIT_UPDATED: Scope.FUNDS_READ,
    # An advertiser's placements, as myPlacements shows them (people only: keys get none).
    EventType.PLACEMENT_UPDATED: Scope.PROFILE_READ,
}


def may_receive(actor: Actor, event_type: EventType) -> bool:
    """Whether `actor` may be sent events of `event_type` that concern it."""
    return actor.kind is not ActorKind.API_KEY or EVENT_READ_SCOPES[event_type] in actor.scopes


def require_receivable(actor: Actor, event_types: Iterable[EventType]) -> None:
    """Forbidden, naming the missing scope, if `actor` may not receive one of `event_types`."""
    for event_type in sorted(set(event_types), key=lambda t: t.value):
        actor.require_scope(EVENT_READ_SCOPES[event_type])


def receivable_types(actor: Actor) -> frozenset[EventType]:
    """Every event type `actor` may receive."""
    return frozenset(t for t in EventType if may_receive(actor, t))
