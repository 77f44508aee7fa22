"""BNPL at checkout: shoppers' credit lines, their installment plans, who funds them, and the
installments.

The installments live here rather than in the lending tables for now: BNPL reuses the
lending *rules* (domain/lending/schedule.py for the plan, domain/lending/allocation.py for
repayments), and moves onto the lending engine's loans and repayment machinery once that
carries consumer purchases.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _money() -> Any:
    return Field(
        default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=sa.text("0"))
    )


def _timestamp(*, nullable: bool = False) -> Any:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


def _json_list() -> Any:
    return Field(
        default_factory=list,
        sa_column=sa.Column(JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    )


class BnplCreditDecisionRow(SQLModel, table=True):
    """The risk engine's decision on a shopper's BNPL credit, kept whatever it decided, with
    the scorecard's and the limit rule's versions, every reason and every feature's points."""

    __tablename__ = "bnpl_credit_decision"
    __table_args__ = (sa.Index("ix_bnpl_credit_decision_shopper", "shopper_id", "decided_at"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    shopper_id: UUID = Field(foreign_key="participant.id")
    currency: str = Field(max_length=3)
    declared_monthly_income: int = _money()
    status: str = Field(max_length=10)  # BnplDecisionStatus
    score: int
    grade: str = Field(max_length=8)  # A..E or REJECT
    credit_limit: int = _money()  # 0 unless APPROVED
    reason_codes: list[dict[str, Any]] = _json_list()
    points: list[dict[str, Any]] = _json_list()
    scorecard_version: str = Field(max_length=32)
    limit_rule_version: str = Field(max_length=40)
    fraud_action: str = Field(max_length=16)
    fraud_rules_version: str = Field(max_length=32)
    fraud_reasons: list[dict[str, Any]] = _json_list()
    decided_at: datetime = Field(sa_column=_timestamp())


class CreditLineRow(SQLModel, table=True):
    """A shopper's BNPL credit in one currency: `used` is principal not yet repaid/refunded."""

    __tablename__ = "credit_line"
    __table_args__ = (
        sa.UniqueConstraint("shopper_id", "currency", name="credit_line_per_currency"),
        sa.CheckConstraint("credit_limit >= 0 AND used >= 0", name="amounts_not_negative"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    shopper_id: UUID = Field(foreign_key="participant.id")
    currency: str = Field(max_length=3)
    credit_limit: int = _money()
    used: int = _money()
    decided_by: str = Field(max_length=40)  # the eligibility rule's (or scorecard's) version
    # The risk engine's latest decision, which set the limit (None: set by the KYC stand-in).
    decision_id: UUID | None = Field(default=None, foreign_key="bnpl_credit_decision.id")
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class BnplPlanRow(SQLModel, table=True):
    """One purchase paid in installments, funded by partner banks' offers or the platform's book."""

    __tablename__ = "bnpl_plan"
    __table_args__ = (sa.CheckConstraint("price > 0", name="price_positive"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    payment_id: UUID = Field(foreign_key="payment_intent.id", unique=True)
    shopper_id: UUID = Field(foreign_key="participant.id", index=True)
    merchant_id: UUID = Field(foreign_key="participant.id")
    currency: str = Field(max_length=3)
    price: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    installment_count: int
    fee_payer: str = Field(max_length=8)  # BUYER or MERCHANT
    annual_rate: Decimal = Field(sa_column=sa.Column(sa.Numeric(12, 8), nullable=False))
    merchant_fee: int = _money()
    merchant_subsidy: int = _money()
    refunded: int = _money()  # of the price, given back by the merchant
    interest_paid: int = _money()
    interest_refunded: int = _money()
    state: str = Field(max_length=10)  # ACTIVE, PAID or REFUNDED
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class BnplInstallmentRow(SQLModel, table=True):
    __tablename__ = "bnpl_installment"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number", name="bnpl_installment_number"),
        # The automatic debit's and the overdue job's scan: open installments by due date.
        sa.Index(
            "ix_bnpl_installment_open_due",
            "due_date",
            postgresql_where=sa.text("paid_at IS NULL"),
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    plan_id: UUID = Field(foreign_key="bnpl_plan.id", index=True)
    number: int
    due_date: date
    principal_due: int = _money()  # still owed
    interest_due: int = _money()
    penalty_due: int = _money()  # accrued by the overdue job, still owed
    principal_paid: int = _money()
    interest_paid: int = _money()
    penalty_paid: int = _money()
    days_past_due: int = 0
    bucket: str = Field(default="CURRENT", max_length=16)  # lending's delinquency buckets
    aged_on: date | None = None  # the business date the overdue job last saw it
    reminded_on: date | None = None
    paid_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))

    @property
    def owed(self) -> int:
        return self.principal_due + self.interest_due + self.penalty_due


class BnplFundingRow(SQLModel, table=True):
    """A funder's claim on a plan: a bank offer's fill, or the platform book's part.

    Every plan's claims sum to its price; each repayment, refund and penalty is shared among
    them by outstanding principal (domain/lending/distribution.py), the bank earning its rate.
    """

    __tablename__ = "bnpl_funding"
    __table_args__ = (
        sa.CheckConstraint(
            "principal > 0 AND 0 <= principal_repaid AND principal_repaid <= principal",
            name="repaid_within_principal",
        ),
        sa.CheckConstraint(
            "(funder_kind = 'BANK') = (funder_id IS NOT NULL AND offer_id IS NOT NULL)",
            name="bank_names_its_offer",
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    plan_id: UUID = Field(foreign_key="bnpl_plan.id", index=True)
    funder_kind: str = Field(max_length=16)  # BANK or PLATFORM_BOOK
    funder_id: UUID | None = Field(default=None, foreign_key="participant.id", index=True)
    offer_id: UUID | None = Field(default=None, foreign_key="bank_funding_offer.id")
    principal: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    annual_rate: Decimal = Field(sa_column=sa.Column(sa.Numeric(12, 8), nullable=False))
    principal_repaid: int = _money()  # repaid by the shopper or taken off by refunds
    interest_received: int = _money()  # interest and penalty
    created_at: datetime = Field(sa_column=_timestamp())
