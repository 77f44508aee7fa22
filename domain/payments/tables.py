"""Payment intents and what happens to them: refunds, disputes, settlement and payouts.

Amounts are minor units (BIGINT) in the intent's currency. Money itself only ever moves in
the ledger; these rows say why it moved and keep the figures the merchant's reports need.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _money(**kwargs: Any) -> Any:
    return Field(
        default=0,
        sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=sa.text("0"), **kwargs),
    )


def _timestamp(*, nullable: bool = False, index: bool = False) -> Any:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index)


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=sa.Column(JSONB, nullable=False))


class PaymentIntent(SQLModel, table=True):
    __tablename__ = "payment_intent"
    __table_args__ = (
        sa.UniqueConstraint("merchant_id", "order_reference", name="payment_intent_order"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "captured_amount >= 0 AND refunded_amount >= 0 AND fee_amount >= 0"
            " AND captured_amount <= amount AND refunded_amount <= captured_amount",
            name="refunds_within_captured",
        ),
        sa.CheckConstraint(
            "escrow_refunded_amount >= 0 AND captured_amount + escrow_refunded_amount <= amount",
            name="escrow_refunds_within_amount",
        ),
        # The auto-release worker's scan: held, shipped payments by release time.
        sa.Index(
            "ix_payment_intent_auto_release",
            "auto_release_at",
            postgresql_where=sa.text("state = 'HELD' AND auto_release_at IS NOT NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    merchant_id: UUID = Field(foreign_key="participant.id", index=True)
    shopper_id: UUID | None = Field(default=None, foreign_key="participant.id", index=True)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    order_reference: str = Field(max_length=64)
    description: str = Field(default="", max_length=200)
    line_items: list[dict[str, Any]] = _json(list)
    split_rule_id: UUID | None = Field(default=None, foreign_key="split_rule.id")
    mode: str = Field(max_length=8)  # ESCROW or DIRECT
    # Who pays for BNPL credit if the shopper pays in installments: BUYER, or MERCHANT (the
    # merchant subsidises the interest, Huabei's 免息).
    installment_fee_payer: str = Field(
        default="BUYER",
        sa_column=sa.Column(sa.String(8), nullable=False, server_default=sa.text("'BUYER'")),
    )
    # The RETURN_SHIPPING product the merchant insures the payment with (its premium from
    # the merchant's wallet when the shopper pays); null: the shopper may add its own.
    return_shipping_product_id: UUID | None = Field(
        default=None, foreign_key="insurance_product.id"
    )
    state: str = Field(max_length=24, index=True)  # PaymentState
    funding: str | None = Field(default=None, max_length=16)  # WALLET, BANK_CARD or BNPL
    hold_id: UUID | None = Field(default=None)  # the ledger hold on the shopper's wallet
    fee_amount: int = _money()  # the MDR charged at capture
    captured_amount: int = _money()  # shared among fee and split legs at release
    refunded_amount: int = _money()  # of the captured amount, given back
    # Given back straight out of escrow when a dispute was resolved: never captured.
    escrow_refunded_amount: int = _money()
    # The captured split, for refund reversals: {"fee": n, "legs": [{role, partyId, amount}]}.
    captured_split: dict[str, Any] = _json(dict)
    shipped_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    auto_release_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # Times the shopper pushed auto-release back (domain/payments/escrow.py).
    release_extensions: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    paid_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    released_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(sa_column=_timestamp(index=True))
    updated_at: datetime = Field(sa_column=_timestamp())

    @property
    def refunded_total(self) -> int:
        """Everything given back to the shopper, by any path: refunds of the captured money
        and a dispute's refund out of escrow."""
        return self.refunded_amount + self.escrow_refunded_amount


class PaymentRefund(SQLModel, table=True):
    """Money given back to the shopper: from the captured split (`source` CAPTURED) or, when a
    dispute is resolved, straight out of escrow (`source` ESCROW)."""

    __tablename__ = "payment_refund"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    payment_id: UUID = Field(foreign_key="payment_intent.id", index=True)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    source: str = Field(max_length=8)
    reason: str = Field(default="", max_length=200)
    fee_reversed: int = _money()
    # What each party gave back: [{role, partyId, amount}].
    legs_reversed: list[dict[str, Any]] = _json(list)
    journal_id: UUID | None = Field(default=None)
    created_by: UUID | None = Field(default=None)
    created_at: datetime = Field(sa_column=_timestamp())


class Dispute(SQLModel, table=True):
    __tablename__ = "dispute"
    __table_args__ = (
        sa.Index(
            "ix_dispute_one_open",
            "payment_id",
            unique=True,
            postgresql_where=sa.text("state = 'OPEN'"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    payment_id: UUID = Field(foreign_key="payment_intent.id", index=True)
    opened_by: UUID = Field(foreign_key="participant.id")
    reason: str = Field(max_length=500)
    state: str = Field(default="OPEN", max_length=8)  # OPEN or RESOLVED
    resolution: str | None = Field(default=None, max_length=8)  # RELEASE, REFUND or PARTIAL
    refund_amount: int = _money()
    note: str | None = Field(default=None, max_length=500)
    resolved_by: UUID | None = Field(default=None)
    opened_at: datetime = Field(sa_column=_timestamp())
    resolved_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class SettlementBatchRow(SQLModel, table=True):
    """One merchant's settlement on one day: its lines' totals, what was carried, the payout."""

    __tablename__ = "settlement_batch"
    __table_args__ = (
        sa.UniqueConstraint("merchant_id", "currency", "settled_on", name="settlement_batch_day"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    merchant_id: UUID = Field(foreign_key="participant.id", index=True)
    currency: str = Field(max_length=3)
    settled_on: date
    gross: int = _money()
    refunds: int = _money()
    fees: int = _money()
    splits: int = _money()
    net: int = _money()
    carried_in: int = _money()
    payout: int = _money()
    carried_out: int = _money()
    lines: int = Field(default=0)
    created_at: datetime = Field(sa_column=_timestamp())


class SettlementLine(SQLModel, table=True):
    """A released payment or a refund as the merchant's balance sees it. Written when it
    happens (batch_id NULL), taken into a batch once payable."""

    __tablename__ = "settlement_line"
    __table_args__ = (
        sa.UniqueConstraint("kind", "reference_id", name="settlement_line_once"),
        sa.Index(
            "ix_settlement_line_unsettled",
            "merchant_id",
            "currency",
            "occurred_on",
            postgresql_where=sa.text("batch_id IS NULL"),
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    merchant_id: UUID = Field(foreign_key="participant.id")
    currency: str = Field(max_length=3)
    kind: str = Field(max_length=8)  # PAYMENT or REFUND (EntryKind)
    reference_id: UUID  # the payment's or the refund's id
    occurred_on: date
    gross: int = _money()
    fee: int = _money()
    splits: int = _money()
    batch_id: UUID | None = Field(default=None, foreign_key="settlement_batch.id", index=True)


class Payout(SQLModel, table=True):
    """A batch's payout to the merchant's bank: a hold on its wallet, posted when the bank
    pays, voided (the money back in the wallet) when it refuses."""

    __tablename__ = "payout"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    merchant_id: UUID = Field(foreign_key="participant.id", index=True)
    batch_id: UUID = Field(foreign_key="settlement_batch.id", unique=True)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    state: str = Field(max_length=8)  # PENDING, PAID or FAILED
    hold_id: UUID | None = Field(default=None)
    rail_reference: str | None = Field(default=None, max_length=80)
    failure_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())
