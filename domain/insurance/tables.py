"""Insurance's rows: insurers' products (versioned), policies and claims.

Money columns are BIGINT minor units of the product's currency. The database refuses what
must never happen whatever the code does: two live versions of a product, two policies of
one kind on one subject (a loan, a payment), two claims for one trigger (a refund, a
default), a claim paid beyond what was approved.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _minor(*, nullable: bool = False) -> Any:
    column = sa.Column(
        sa.BigInteger, nullable=nullable, server_default=None if nullable else sa.text("0")
    )
    return Field(default=None if nullable else 0, sa_column=column)


def _moment(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index),
    )


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=sa.Column(JSONB, nullable=False))


class InsuranceProduct(SQLModel, table=True):
    """One version of an insurer's product; an update writes the next version, so every
    policy keeps the exact terms it was sold under."""

    __tablename__ = "insurance_product"
    __table_args__ = (
        sa.UniqueConstraint("insurer_id", "code", "version", name="insurance_product_version"),
        sa.Index(
            "insurance_product_one_current",
            "insurer_id",
            "code",
            unique=True,
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
        sa.CheckConstraint("commission_bps BETWEEN 0 AND 10000", name="commission_rate"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    insurer_id: UUID = Field(foreign_key="participant.id", index=True)
    code: str = Field(max_length=40)
    version: int
    name: str = Field(max_length=120)
    kind: str = Field(max_length=24)  # ProductKind
    currency: str = Field(max_length=3)
    premium_rule: dict[str, Any] = _json(dict)  # PremiumRule
    coverage_share: Decimal = Field(sa_column=sa.Column(sa.Numeric(12, 8), nullable=False))
    max_payout: int | None = _minor(nullable=True)
    deductible: int = _minor()
    term_days: int
    waiting_days: int
    cooling_off_days: int
    distribution: str = Field(max_length=16)  # DistributionModel
    commission_bps: int
    policy_fee: int = _minor()
    min_insured: int = _minor()
    max_insured: int | None = _minor(nullable=True)
    freight_table: list[dict[str, int]] = _json(list)  # FreightBand: up_to, payout
    payout_hours: int = 0
    on_sale: bool = True  # False: withdrawn by the insurer, no new policies
    superseded_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()


class Policy(SQLModel, table=True):
    __tablename__ = "insurance_policy"
    __table_args__ = (
        sa.CheckConstraint("premium = insurer_premium + commission", name="premium_split"),
        sa.CheckConstraint(
            "refunded_insurer BETWEEN 0 AND insurer_premium "
            "AND refunded_commission BETWEEN 0 AND commission",
            name="refund_within_premium",
        ),
        sa.CheckConstraint("claimed >= 0", name="claimed_positive"),
        # One cover of a kind per loan or payment, however often its bind is retried.
        sa.Index(
            "insurance_policy_one_per_subject",
            "subject_type",
            "subject_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("subject_id IS NOT NULL"),
        ),
        sa.Index("ix_insurance_policy_holder_created", "holder_id", "created_at"),
        sa.Index("ix_insurance_policy_insurer_created", "insurer_id", "created_at"),
        sa.Index("ix_insurance_policy_state_ends", "state", "ends_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    product_id: UUID = Field(foreign_key="insurance_product.id", index=True)
    insurer_id: UUID = Field(foreign_key="participant.id")
    holder_id: UUID = Field(foreign_key="participant.id")  # who bought and paid for it
    kind: str = Field(max_length=24)  # the product's kind
    subject_type: str | None = Field(default=None, max_length=16)  # LOAN, PAYMENT or none
    subject_id: UUID | None = None
    currency: str = Field(max_length=3)
    insured: int = _minor()
    premium: int = _minor()
    insurer_premium: int = _minor()
    commission: int = _minor()  # the platform's: revenue stream insurance_commission
    state: str = Field(max_length=16)  # PolicyState
    starts_at: datetime = _moment()
    ends_at: datetime = _moment()
    claimed: int = _minor()  # approved on its claims: counts against the maximum payout
    refunded_insurer: int = _minor()
    refunded_commission: int = _minor()
    journal_id: UUID
    cancelled_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class Claim(SQLModel, table=True):
    __tablename__ = "insurance_claim"
    __table_args__ = (
        sa.CheckConstraint("loss >= 0 AND approved >= 0 AND paid >= 0", name="amounts"),
        sa.CheckConstraint("paid <= approved", name="paid_within_approved"),
        # One claim per trigger (a refunded shipment, a defaulted loan), whatever the retries.
        sa.UniqueConstraint("trigger", name="insurance_claim_one_per_trigger"),
        sa.Index("ix_insurance_claim_insurer_state", "insurer_id", "state", "created_at"),
        sa.Index("ix_insurance_claim_policy", "policy_id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    policy_id: UUID = Field(foreign_key="insurance_policy.id")
    insurer_id: UUID = Field(foreign_key="participant.id")
    claimant_id: UUID = Field(foreign_key="participant.id")  # the insured who filed it
    beneficiary_id: UUID | None = Field(default=None, foreign_key="participant.id")
    trigger: str | None = Field(default=None, max_length=80)  # automatic claims: their cause
    currency: str = Field(max_length=3)
    loss: int = _minor()
    state: str = Field(max_length=16)  # ClaimState
    decision: str | None = Field(default=None, max_length=16)  # APPROVE, PARTIAL, REJECT
    reason: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=1000)
    approved: int = _minor()
    paid: int = _minor()
    pay_by: datetime | None = _moment(nullable=True)  # parametric: the product's promise
    attempts: int = 0  # payments tried: an APPROVED_UNPAID claim is retried
    journal_id: UUID | None = None
    decided_by: UUID | None = Field(default=None, foreign_key="participant.id")
    decided_at: datetime | None = _moment(nullable=True)
    paid_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
