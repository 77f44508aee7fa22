"""Inputs of the payment mutations, and their translation into the use cases' terms."""

from __future__ import annotations

import strawberry

from domain.money import currency_of, parse_money
from domain.payments.services.intents import LineItem, NewIntent
from domain.revenue.services.split_rules import PLATFORM_PARTY, ShareInput
from domain.revenue.splits import Role
from graph.money import MoneyInput
from graph.payments.types import DisputeResolution, FeePayer, SplitRole
from graph.relay import optional_uuid_of, uuid_of


@strawberry.input
class LineItemInput:
    name: str
    quantity: int
    unit_amount: str = strawberry.field(description='Decimal string, e.g. "19.90".')


@strawberry.input(description="A recipient: `percentBps` of what fixed shares leave, or `amount`.")
class SplitShareInput:
    role: SplitRole
    party_id: strawberry.ID | None = strawberry.field(
        default=None, description="The participant; none for the PLATFORM role."
    )
    percent_bps: int | None = None
    amount: str | None = strawberry.field(default=None, description="A fixed amount, paid first.")


@strawberry.input
class CreatePaymentIntentInput(MoneyInput):
    order_reference: str = strawberry.field(description="Your order's id: one payment per order.")
    mode: str = strawberry.field(default="ESCROW", description="ESCROW or DIRECT.")
    description: str = ""
    line_items: list[LineItemInput] = strawberry.field(default_factory=list)
    split_rule_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of your split rules (else your default rule)."
    )
    split: list[SplitShareInput] = strawberry.field(
        default_factory=list, description="This payment's own split, instead of a rule."
    )
    installment_fee_payer: FeePayer = strawberry.field(
        default=FeePayer.BUYER,
        description="If the shopper pays in installments, who pays for the credit: the "
        "BUYER (interest), or the MERCHANT (it gives up the interest, the buyer pays none).",
    )
    return_shipping_product_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="ESCROW payments: insure the shopper's return freight with this "
        "RETURN_SHIPPING InsuranceProduct, bound when the shopper pays, its premium from your "
        "wallet; the shopper then adds no cover of its own (COVER_ALREADY_ADDED).",
    )


@strawberry.input
class RefundPaymentInput:
    payment_id: strawberry.ID
    amount: str | None = strawberry.field(default=None, description="None: all that remains.")
    currency: str | None = None
    reason: str = ""


@strawberry.input
class ResolveDisputeInput:
    dispute_id: strawberry.ID
    resolution: DisputeResolution
    refund_amount: str | None = strawberry.field(default=None, description="For PARTIAL.")
    currency: str | None = None
    note: str = ""


def share_input(share: SplitShareInput, currency: str) -> ShareInput:
    role = share.role
    if role is Role.PLATFORM:
        party = PLATFORM_PARTY
    else:
        party = str(uuid_of(share.party_id or "", "Participant"))
    amount = None
    if share.amount is not None:
        amount = parse_money(share.amount, currency_of(currency), field="amount").minor
    return ShareInput(role, party, percent_bps=share.percent_bps, amount=amount)


def new_intent(input: CreatePaymentIntentInput) -> NewIntent:
    currency = currency_of(input.currency)
    return NewIntent(
        amount=parse_money(input.amount, currency, field="amount"),
        order_reference=input.order_reference,
        mode=input.mode,
        description=input.description,
        line_items=tuple(
            LineItem(
                item.name,
                item.quantity,
                parse_money(item.unit_amount, currency, field="unit_amount").minor,
            )
            for item in input.line_items
        ),
        split_rule_id=optional_uuid_of(input.split_rule_id, "SplitRule"),
        split=tuple(share_input(share, input.currency) for share in input.split),
        installment_fee_payer=input.installment_fee_payer.value,
        return_shipping_product_id=optional_uuid_of(
            input.return_shipping_product_id, "InsuranceProduct"
        ),
    )
