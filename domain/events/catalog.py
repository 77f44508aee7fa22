"""Every event type Agora emits, the topic (Redis stream) it goes to, and its payload version.

Adding an event type is one line here and its payload's dataclass in the emitting context's
`events.py` (domain/events/payloads.py); subscriptions and webhooks pick it up by name.
"""

from __future__ import annotations

from enum import Enum


class EventType(Enum):
    """`<topic>.<what happened>`: the topic is the stream, so related events keep their order."""

    WALLET_CHANGED = "wallet.changed"
    MATCH_CREATED = "lending.match_created"
    LOAN_FUNDED = "lending.loan_funded"
    REPAYMENT_RECEIVED = "lending.repayment_received"
    INSTALLMENT_DUE = "lending.installment_due"
    LOAN_DEFAULTED = "lending.loan_defaulted"
    PAYMENT_UPDATED = "payments.payment_updated"
    PAYOUT_UPDATED = "payments.payout_updated"
    CAMPAIGN_UPDATED = "crowdfunding.campaign_updated"
    PLEDGE_UPDATED = "crowdfunding.pledge_updated"
    KYC_DECIDED = "participants.kyc_decided"
    POLICY_UPDATED = "insurance.policy_updated"
    CLAIM_UPDATED = "insurance.claim_updated"
    RISK_THRESHOLD_CROSSED = "risk.threshold_crossed"
    RECEIVABLE_UPDATED = "supply_chain.receivable_updated"
    CERTIFICATE_UPDATED = "supply_chain.certificate_updated"
    FUND_INCOME_POSTED = "wealth.income_posted"
    FUND_REDEMPTION_UPDATED = "wealth.redemption_updated"
    PLAN_MATURED = "wealth.plan_matured"
    PLAN_EXIT_UPDATED = "wealth.plan_exit_updated"
    PLACEMENT_UPDATED = "advertising.placement_updated"

    @property
    def topic(self) -> str:
        return self.value.split(".", 1)[0]


# Bumped when a type's payload changes shape; consumers read `version` before the payload.
PAYLOAD_VERSIONS: dict[EventType, int] = {event_type: 1 for event_type in EventType} | {
    # 2: paid_by (INSURANCE, GUARANTEE or GUARANTEE_FUND), cover_due and shortfall; the
    # platform's fund is cover_provider null, no longer "platform".
    EventType.LOAN_DEFAULTED: 2,
    # 2: snake_case keys (payment_id, order_reference, shipped_at, auto_release_at; payout_id,
    # batch_id, failure_reason), as every other payload; version 1 was camelCase.
    EventType.PAYMENT_UPDATED: 2,
    EventType.PAYOUT_UPDATED: 2,
}

TOPICS: tuple[str, ...] = tuple(sorted({event_type.topic for event_type in EventType}))
