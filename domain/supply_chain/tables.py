"""Supply-chain finance's rows: programmes, invoices (receivables), their certificates, and
the credit lines bank offers extend to core enterprises.

Money columns are BIGINT minor units of the receivable's currency. The database refuses what
must never happen whatever the code does: one invoice registered twice (its fingerprint is
unique among invoices not rejected), a certificate of no value, a credit line used beyond
nothing or a certificate paid more than once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

RATE = sa.Numeric(12, 8)


def _minor(*, nullable: bool = False) -> Any:
    column = sa.Column(
        sa.BigInteger, nullable=nullable, server_default=None if nullable else sa.text("0")
    )
    return Field(default=None if nullable else 0, sa_column=column)


def _moment(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable))


class Programme(SQLModel, table=True):
    """A core enterprise's supply-chain programme, as an operator sets it: with or without
    recourse to the supplier, and how late payment ages (lending's overdue rules)."""

    __tablename__ = "scf_programme"
    __table_args__ = (
        sa.CheckConstraint(
            "recourse_after_days >= 0 AND grace_days >= 0 AND default_days > 0", name="days"
        ),
    )

    core_enterprise_id: UUID = Field(foreign_key="participant.id", primary_key=True)
    with_recourse: bool = False
    recourse_after_days: int = 30  # days past due before a financier may turn to the seller
    penalty_daily_rate: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    grace_days: int = 3
    default_days: int = 90
    updated_by: UUID | None = Field(default=None, foreign_key="participant.id")
    updated_at: datetime = _moment()


class Receivable(SQLModel, table=True):
    """An invoice a supplier registered on a core enterprise."""

    __tablename__ = "scf_receivable"
    __table_args__ = (
        sa.CheckConstraint("amount > 0 AND amount <= face_amount", name="amount_within_face"),
        sa.CheckConstraint("due_on > issued_on", name="due_after_issue"),
        sa.Index(
            "scf_receivable_one_invoice",
            "fingerprint",
            unique=True,
            postgresql_where=sa.text("state <> 'REJECTED'"),
        ),
        sa.Index("ix_scf_receivable_buyer_state", "buyer_id", "state", "due_on"),
        sa.Index("ix_scf_receivable_supplier_created", "supplier_id", "created_at"),
        # The maturity job: confirmed invoices by due date.
        sa.Index(
            "ix_scf_receivable_confirmed_due",
            "due_on",
            "id",
            postgresql_where=sa.text("state = 'CONFIRMED'"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    supplier_id: UUID = Field(foreign_key="participant.id")
    buyer_id: UUID = Field(foreign_key="participant.id")
    registration_number: str = Field(max_length=40)  # the supplier's, as on the invoice
    invoice_number: str = Field(max_length=64)
    goods_reference: str = Field(default="", max_length=200)
    currency: str = Field(max_length=3)
    face_amount: int = _minor()  # as invoiced: part of the fingerprint
    amount: int = _minor()  # what the buyer owes after credit notes
    issued_on: date
    due_on: date
    fingerprint: str = Field(max_length=64)
    state: str = Field(max_length=16)  # InvoiceState
    reason: str | None = Field(default=None, max_length=500)  # a rejection's
    decided_at: datetime | None = _moment(nullable=True)
    checked_on: date | None = None  # the business date the maturity job last tried it
    paid_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class Certificate(SQLModel, table=True):
    """A confirmed receivable's transferable claim, or a part of one, and who holds it."""

    __tablename__ = "scf_certificate"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "discount >= 0 AND fee >= 0 AND penalty_accrued >= 0 AND penalty_paid >= 0",
            name="charges",
        ),
        sa.Index("ix_scf_certificate_holder_state", "holder_id", "state"),
        sa.Index("ix_scf_certificate_buyer_state_due", "buyer_id", "state", "due_on"),
        # The maturity job: what is still owed, by due date.
        sa.Index(
            "ix_scf_certificate_owed_due",
            "due_on",
            postgresql_where=sa.text("state IN ('HELD', 'FINANCED', 'OVERDUE', 'RECOURSED')"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    receivable_id: UUID = Field(foreign_key="scf_receivable.id", index=True)
    parent_id: UUID | None = Field(default=None, foreign_key="scf_certificate.id")
    buyer_id: UUID = Field(foreign_key="participant.id")
    supplier_id: UUID = Field(foreign_key="participant.id")  # who registered the invoice
    holder_id: UUID = Field(foreign_key="participant.id")  # who is paid at maturity
    currency: str = Field(max_length=3)
    amount: int = _minor()
    due_on: date
    state: str = Field(max_length=16)  # CertificateState
    # Financing: who sold it to whom, through which offer, at what price.
    seller_id: UUID | None = Field(default=None, foreign_key="participant.id")
    financier_id: UUID | None = Field(
        default=None, foreign_key="participant.id"
    )  # kept after recourse
    offer_id: UUID | None = Field(default=None, foreign_key="bank_funding_offer.id")
    annual_rate: Decimal | None = Field(default=None, sa_column=sa.Column(RATE, nullable=True))
    discount: int = _minor()
    fee: int = _minor()
    fee_version: str | None = Field(default=None, max_length=48)
    explanation: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(JSONB, nullable=True)
    )
    financed_at: datetime | None = _moment(nullable=True)
    # Late payment, aged as lending's installments are.
    days_past_due: int = 0
    bucket: str = Field(default="CURRENT", max_length=16)
    penalty_accrued: int = _minor()
    penalty_paid: int = _minor()
    aged_on: date | None = None
    reminded_on: date | None = None
    recoursed_at: datetime | None = _moment(nullable=True)
    paid_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class CreditLine(SQLModel, table=True):
    """What a supply-chain offer has outstanding on one core enterprise: consumed when it
    finances a certificate, restored when the core enterprise pays it. Its limit is the
    offer's `per_borrower_cap`."""

    __tablename__ = "scf_credit_line"
    __table_args__ = (sa.CheckConstraint("used >= 0", name="used_not_negative"),)

    offer_id: UUID = Field(foreign_key="bank_funding_offer.id", primary_key=True)
    core_enterprise_id: UUID = Field(foreign_key="participant.id", primary_key=True)
    used: int = _minor()
