"""Payments as clients see them: intents, refunds, disputes, split rules and fee plans."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry

from domain.consumer_credit import plans
from domain.money import Money as DomainMoney
from domain.payments import settlement, states
from domain.payments.services import disputes, paying
from domain.payments.tables import Dispute as DisputeRow
from domain.payments.tables import PaymentIntent as IntentRow
from domain.payments.tables import PaymentRefund as RefundRow
from domain.revenue import splits
from domain.revenue.services.fee_plans import MerchantTerms
from domain.revenue.tables import SplitRuleRow
from graph.errors import UserError
from graph.idempotency import IdempotentPayload
from graph.money import Money
from graph.relay import Node, to_global_id

# The domain's enums serve as GraphQL enums as they are (strawberry registers them in place).
PaymentState = states.PaymentState
PaymentSource = paying.PaymentSource
SplitRole = splits.Role
DisputeResolution = disputes.Resolution
PayoutFrequency = settlement.PayoutFrequency
FeePayer = plans.FeePayer
strawberry.enum(PaymentState, description="Where a payment is in its life.")
strawberry.enum(PaymentSource, description="How the shopper pays.")
strawberry.enum(SplitRole, name="SplitRole", description="A split recipient's part in the payment.")
strawberry.enum(DisputeResolution, description="The operator's decision on a dispute.")
strawberry.enum(PayoutFrequency, description="How often a merchant is paid out.")
strawberry.enum(FeePayer, description="Who pays for installment credit.")


def _money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


@strawberry.type(description="A share of a payment someone received, or gave back.")
class SplitAmount:
    role: SplitRole
    party_id: strawberry.ID | None = strawberry.field(description="None for the platform.")
    amount: Money


def party_id(role: str, party: str) -> strawberry.ID | None:
    """A participant's global id; None for the platform."""
    return None if role == splits.Role.PLATFORM.value else to_global_id("Participant", UUID(party))


def _amounts(legs: list[dict[str, Any]], currency: str) -> list[SplitAmount]:
    return [
        SplitAmount(
            role=splits.Role(leg["role"]),
            party_id=party_id(leg["role"], leg["partyId"]),
            amount=_money(leg["amount"], currency),
        )
        for leg in legs
    ]


@strawberry.type
class LineItem:
    name: str
    quantity: int
    unit_amount: Money


@strawberry.type(description="Money given back to the shopper, and who gave what.")
class PaymentRefund(Node):
    id: strawberry.ID
    amount: Money
    source: str = strawberry.field(description="CAPTURED (after release) or ESCROW (dispute).")
    reason: str
    fee_reversed: Money
    legs_reversed: list[SplitAmount]
    created_at: datetime

    @classmethod
    def of(cls, row: RefundRow) -> PaymentRefund:
        return cls(
            id=to_global_id("PaymentRefund", row.id),
            amount=_money(row.amount, row.currency),
            source=row.source,
            reason=row.reason,
            fee_reversed=_money(row.fee_reversed, row.currency),
            legs_reversed=_amounts(row.legs_reversed, row.currency),
            created_at=row.created_at,
        )


@strawberry.type(description="A merchant's request for payment, and what became of it.")
class PaymentIntent(Node):
    id: strawberry.ID
    merchant_id: strawberry.ID
    shopper_id: strawberry.ID | None
    state: PaymentState
    mode: str = strawberry.field(description="ESCROW (held until delivery) or DIRECT.")
    amount: Money
    order_reference: str
    description: str
    line_items: list[LineItem]
    funding: str | None = strawberry.field(description="WALLET, BANK_CARD or BNPL, once paid.")
    fee: Money = strawberry.field(description="The merchant discount fee charged at capture.")
    captured: Money
    refunded: Money = strawberry.field(
        description="Everything given back to the shopper: refunds of what was captured and, "
        "when a dispute was resolved with a refund, what went back straight out of escrow."
    )
    refundable: Money = strawberry.field(
        description="What may still be refunded: what was captured, less its refunds."
    )
    splits: list[SplitAmount] = strawberry.field(description="Who received what at capture.")
    shipped_at: datetime | None
    auto_release_at: datetime | None
    release_extensions: int = strawberry.field(
        description="Times the shopper pushed the auto-release back (extendEscrow)."
    )
    return_shipping_product_id: strawberry.ID | None = strawberry.field(
        description="The RETURN_SHIPPING InsuranceProduct the merchant insures the payment's "
        "return freight with (bound when the shopper pays, at the merchant's cost); null: none."
    )
    paid_at: datetime | None
    released_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: IntentRow) -> PaymentIntent:
        c = row.currency
        return cls(
            id=to_global_id("PaymentIntent", row.id),
            merchant_id=to_global_id("Participant", row.merchant_id),
            shopper_id=to_global_id("Participant", row.shopper_id) if row.shopper_id else None,
            state=states.PaymentState(row.state),
            mode=row.mode,
            amount=_money(row.amount, c),
            order_reference=row.order_reference,
            description=row.description,
            line_items=[
                LineItem(
                    name=i["name"], quantity=i["quantity"], unit_amount=_money(i["unitAmount"], c)
                )
                for i in row.line_items
            ],
            funding=row.funding,
            fee=_money(row.fee_amount, c),
            captured=_money(row.captured_amount, c),
            refunded=_money(row.refunded_total, c),
            refundable=_money(row.captured_amount - row.refunded_amount, c),
            splits=_amounts(row.captured_split.get("legs", []), c),
            shipped_at=row.shipped_at,
            auto_release_at=row.auto_release_at,
            release_extensions=row.release_extensions,
            return_shipping_product_id=to_global_id(
                "InsuranceProduct", row.return_shipping_product_id
            )
            if row.return_shipping_product_id
            else None,
            paid_at=row.paid_at,
            released_at=row.released_at,
            created_at=row.created_at,
        )


@strawberry.type
class Dispute(Node):
    id: strawberry.ID
    payment_id: strawberry.ID
    reason: str
    state: str = strawberry.field(description="OPEN or RESOLVED.")
    resolution: str | None
    refund_amount: Money | None
    note: str | None
    opened_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, row: DisputeRow, currency: str) -> Dispute:
        return cls(
            id=to_global_id("Dispute", row.id),
            payment_id=to_global_id("PaymentIntent", row.payment_id),
            reason=row.reason,
            state=row.state,
            resolution=row.resolution,
            refund_amount=_money(row.refund_amount, currency) if row.resolution else None,
            note=row.note,
            opened_at=row.opened_at,
            resolved_at=row.resolved_at,
        )


@strawberry.type
class SplitShare:
    role: SplitRole
    party_id: strawberry.ID | None
    percent_bps: int | None = strawberry.field(description="2500 = 25 % of what fixed leave.")
    amount: Money | None = strawberry.field(description="A fixed amount, paid first.")

    @classmethod
    def of(cls, share: dict[str, Any], currency: str) -> SplitShare:
        fixed = share.get("amount")
        return cls(
            role=splits.Role(share["role"]),
            party_id=party_id(share["role"], share["partyId"]),
            percent_bps=share.get("percentBps"),
            amount=None if fixed is None else _money(fixed, currency),
        )


@strawberry.type(description="Who shares a merchant's payments, and how.")
class SplitRule(Node):
    id: strawberry.ID
    name: str
    currency: str
    is_default: bool
    shares: list[SplitShare]
    remainder_party_id: strawberry.ID | None = strawberry.field(
        description="Wins ties in rounding."
    )
    archived: bool

    @classmethod
    def of(cls, row: SplitRuleRow) -> SplitRule:
        return cls(
            id=to_global_id("SplitRule", row.id),
            name=row.name,
            currency=row.currency,
            is_default=row.is_default,
            shares=[SplitShare.of(share, row.currency) for share in row.shares],
            remainder_party_id=party_id(row.remainder_role, row.remainder_party_id),
            archived=row.archived_at is not None,
        )


@strawberry.type(description="What the platform charges a merchant, and when it pays out.")
class MerchantFeePlan:
    merchant_id: strawberry.ID
    currency: str
    percent_bps: int = strawberry.field(description="The MDR's percent: 60 = 0.60 %.")
    fixed: Money
    payout_frequency: PayoutFrequency
    delay_days: int = strawberry.field(description="Released money is paid out T + this.")
    weekday: int
    minimum_payout: Money
    standard: bool = strawberry.field(description="The platform's standard terms (no plan).")

    @classmethod
    def of(cls, terms: MerchantTerms) -> MerchantFeePlan:
        return cls(
            merchant_id=to_global_id("Participant", terms.merchant_id),
            currency=terms.currency,
            percent_bps=terms.percent_bps,
            fixed=Money.of(terms.fee.fixed),
            payout_frequency=terms.schedule.frequency,
            delay_days=terms.schedule.delay_days,
            weekday=terms.schedule.weekday,
            minimum_payout=Money.of(terms.schedule.minimum_payout),
            standard=terms.standard,
        )


@strawberry.type
class PaymentIntentPayload(IdempotentPayload):
    payment_intent: PaymentIntent | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class RefundPayload(IdempotentPayload):
    refund: PaymentRefund | None = None
    payment_intent: PaymentIntent | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class DisputePayload(IdempotentPayload):
    dispute: Dispute | None = None
    payment_intent: PaymentIntent | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class SplitRulePayload:
    split_rule: SplitRule | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class MerchantFeePlanPayload:
    fee_plan: MerchantFeePlan | None = None
    errors: list[UserError] = field(default_factory=list)
