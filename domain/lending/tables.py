"""The lending marketplace's rows: products, applications, loans and their schedules, notes,
bank offers, auto-invest rules, matches, repayments and notes offered for sale.

Money columns are BIGINT minor units; rates NUMERIC fractions (0.0435 = 4.35 %). The
database refuses what must never happen whatever the code does: an offer committed beyond
its capacity, a loan funded beyond its principal, an installment paid beyond what it owes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

RATE = sa.Numeric(12, 8)
PRODUCT_CODE_LENGTH = 40
PRODUCT_NAME_LENGTH = 120


def _minor(*, nullable: bool = False, default: bool = True) -> Any:
    column = sa.Column(
        sa.BigInteger,
        nullable=nullable,
        server_default=sa.text("0") if default and not nullable else None,
    )
    return Field(default=None if nullable else 0, sa_column=column)


def _rate(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(RATE, nullable=nullable))


def _moment(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index),
    )


def _strings() -> Any:
    return Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String(24)), nullable=False, server_default="{}"),
    )


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_column=sa.Column(JSONB, nullable=False))


class LoanProductRow(SQLModel, table=True):
    """One version of an operator-defined product; an update writes the next version, so
    every loan keeps the exact terms it was sold under."""

    __tablename__ = "loan_product"
    __table_args__ = (
        sa.UniqueConstraint("code", "version", name="loan_product_code_version"),
        sa.Index(
            "loan_product_one_current",
            "code",
            unique=True,
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    code: str = Field(max_length=PRODUCT_CODE_LENGTH)
    version: int
    name: str = Field(max_length=PRODUCT_NAME_LENGTH)
    currency: str = Field(max_length=3)
    min_amount: int = _minor()
    max_amount: int = _minor()
    min_term_months: int
    max_term_months: int
    repayment_method: str = Field(max_length=24)
    rounding: str = Field(max_length=16)
    min_rate: Decimal = _rate()
    max_rate: Decimal = _rate()
    fees: list[dict[str, Any]] = _json(list)  # FeeRule: name, timing, percent, fixed
    penalty_daily_rate: Decimal = _rate()
    grace_days: int
    default_days: int
    funding_channels: list[str] = _strings()  # INVESTOR_NOTES, BANK_OFFERS, PLATFORM_BOOK
    cover_kind: str = Field(max_length=16)  # NONE, GUARANTEE, INSURANCE
    cover_share: Decimal = _rate()  # of what funders are owed at default
    # The guarantor or insurer who pays (null: the platform's guarantee fund, or no cover),
    # and the cover offer of theirs the operator attached (null for the fund and old rows).
    cover_provider: UUID | None = Field(default=None, foreign_key="participant.id")
    cover_offer_id: UUID | None = Field(default=None, foreign_key="cover_offer.id")
    early_repayment: str = Field(max_length=24)  # ACCRUED_TO_DATE or FULL_PERIOD
    transfer_rules: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(JSONB, nullable=True)
    )  # None: its notes cannot be resold
    # How its loans are listed on the marketplace.
    platform_spread: Decimal = _rate()  # funders earn the borrower rate minus this
    note_size: int = _minor()
    min_investment: int = _minor()
    max_investor_share: Decimal = _rate()  # of the principal, per investor
    funding_days: int
    created_by: UUID | None = Field(default=None, foreign_key="participant.id")
    created_at: datetime = _moment()
    superseded_at: datetime | None = _moment(nullable=True)


class CoverOfferRow(SQLModel, table=True):
    """What an insurer or guarantor agrees to cover: its kind, currency, the most of the
    funders' outstanding principal it pays on a default, and the largest loan it covers.
    Operators attach an OPEN offer to a product; withdrawing it stops new loans under those
    products, while the loans already listed keep the cover their product version names."""

    __tablename__ = "cover_offer"
    __table_args__ = (
        sa.CheckConstraint("share > 0 AND share <= 1", name="share_within_one"),
        sa.CheckConstraint("max_loan_amount IS NULL OR max_loan_amount > 0", name="max_positive"),
        sa.CheckConstraint(
            "(status = 'WITHDRAWN') = (withdrawn_at IS NOT NULL)", name="withdrawn_whole"
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    provider_id: UUID = Field(foreign_key="participant.id", index=True)
    kind: str = Field(max_length=16)  # GUARANTEE or INSURANCE
    currency: str = Field(max_length=3)
    share: Decimal = _rate()
    max_loan_amount: int | None = _minor(nullable=True)
    terms: str = Field(default="", max_length=500)
    # INSURANCE: the insurer's CREDIT product each loan under the offer is sold a policy of
    # (null: the funders' cover is the offer's share alone, as before policies existed).
    insurance_product_id: UUID | None = Field(default=None, foreign_key="insurance_product.id")
    # Whether every loan under the offer is sold the policy (true, as before borrowers chose)
    # or only those whose borrower buys it when accepting the offer (false).
    requires_cover: bool = Field(
        default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true())
    )
    status: str = Field(max_length=16)  # OPEN or WITHDRAWN
    created_at: datetime = _moment()
    withdrawn_at: datetime | None = _moment(nullable=True)


class LoanApplication(SQLModel, table=True):
    """A borrower's request and the risk engine's decision on it, with its model version."""

    __tablename__ = "loan_application"
    __table_args__ = (
        # Referral comes after pricing, so a reviewer's approval has the engine's offer to give.
        sa.CheckConstraint(
            "status NOT IN ('APPROVED', 'REVIEW', 'ACCEPTED') OR annual_rate IS NOT NULL",
            name="offer_priced",
        ),
        sa.CheckConstraint("(reviewed_at IS NULL) = (review_reason IS NULL)", name="review_whole"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    borrower_id: UUID = Field(foreign_key="participant.id", index=True)
    product_id: UUID = Field(foreign_key="loan_product.id")
    amount: int = _minor()
    currency: str = Field(max_length=3)
    term_months: int
    repayment_method: str = Field(max_length=24)
    purpose: str = Field(max_length=200)
    declared_monthly_income: int = _minor()
    status: str = Field(max_length=16)  # ApplicationStatus
    score: int | None = None
    grade: str | None = Field(default=None, max_length=8)
    annual_rate: Decimal | None = _rate(nullable=True)
    credit_limit: int = _minor()
    reason_codes: list[dict[str, Any]] = _json(list)
    points: list[dict[str, Any]] = _json(list)
    scorecard_version: str = Field(max_length=32)
    fraud_action: str = Field(max_length=16)
    fraud_rules_version: str = Field(max_length=32)
    fraud_reasons: list[dict[str, Any]] = _json(list)
    created_at: datetime = _moment(index=True)
    accepted_at: datetime | None = _moment(nullable=True)
    # An operator's decision on a referred (REVIEW) application; null when none was needed.
    reviewed_by: UUID | None = Field(default=None, foreign_key="participant.id")
    reviewed_at: datetime | None = _moment(nullable=True)
    review_reason: str | None = Field(default=None, max_length=500)
    # The borrower chose, when applying, to buy the credit cover the product's offer sells;
    # accepting the offer carries the choice to the loan.
    buys_credit_cover: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )


class Loan(SQLModel, table=True):
    __tablename__ = "loan"
    __table_args__ = (
        sa.CheckConstraint("0 <= committed AND committed <= principal", name="not_overfunded"),
        sa.Index("ix_loan_listed", "state", "funding_deadline"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    application_id: UUID = Field(foreign_key="loan_application.id", unique=True)
    borrower_id: UUID = Field(foreign_key="participant.id", index=True)
    product_id: UUID = Field(foreign_key="loan_product.id")
    currency: str = Field(max_length=3)
    principal: int = _minor()
    committed: int = _minor()  # held by notes and matches so far
    term_months: int
    repayment_method: str = Field(max_length=24)
    rounding: str = Field(max_length=16)
    grade: str = Field(max_length=8)
    borrower_rate: Decimal = _rate()
    funder_rate: Decimal = _rate()  # what note holders earn; the gap is platform spread
    upfront_fee: int = _minor()
    spread_fee: int = _minor()  # the product's fee spread over the installments
    state: str = Field(max_length=16)  # LoanState
    listed_at: datetime = _moment(index=True)
    funding_deadline: datetime = _moment()
    funded_at: datetime | None = _moment(nullable=True)
    disbursed_at: datetime | None = _moment(nullable=True)
    ended_at: datetime | None = _moment(nullable=True)
    first_due_date: date | None = None
    # The borrower bought the credit cover its product's offer sells but does not require.
    buys_credit_cover: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    version: int = 1


class LoanInstallment(SQLModel, table=True):
    __tablename__ = "loan_installment"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "number", name="loan_installment_number"),
        sa.CheckConstraint(
            "principal_paid <= principal_due AND interest_paid <= interest_due"
            " AND fee_paid <= fee_due AND penalty_paid <= penalty_accrued",
            name="paid_within_due",
        ),
        # The daily jobs: what is still open, by due date.
        sa.Index(
            "ix_installment_open_due", "due_date", postgresql_where=sa.text("paid_at IS NULL")
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    loan_id: UUID = Field(foreign_key="loan.id", index=True)
    number: int
    due_date: date
    principal_due: int = _minor()
    interest_due: int = _minor()
    fee_due: int = _minor()
    penalty_accrued: int = _minor()
    principal_paid: int = _minor()
    interest_paid: int = _minor()
    fee_paid: int = _minor()
    penalty_paid: int = _minor()
    days_past_due: int = 0
    bucket: str = Field(default="CURRENT", max_length=16)
    aged_on: date | None = None  # the business date the overdue job last saw it
    reminded_on: date | None = None
    paid_at: datetime | None = _moment(nullable=True)


class LoanNote(SQLModel, table=True):
    """A funder's claim on a loan: its share of principal, and what it has received."""

    __tablename__ = "loan_note"
    __table_args__ = (sa.CheckConstraint("principal > 0", name="principal_positive"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    loan_id: UUID = Field(foreign_key="loan.id", index=True)
    holder_id: UUID = Field(foreign_key="participant.id", index=True)
    funder_kind: str = Field(max_length=16)  # INVESTOR, BANK or PLATFORM (the platform book)
    source_id: UUID | None = None  # the bank offer or auto-invest rule that bought it
    principal: int = _minor()
    annual_rate: Decimal = _rate()
    hold_id: UUID | None = None  # the ledger hold on the funder's money until funding
    status: str = Field(max_length=16)  # NoteStatus
    principal_received: int = _minor()
    interest_received: int = _minor()
    created_at: datetime = _moment()


class BankFundingOffer(SQLModel, table=True):
    __tablename__ = "bank_funding_offer"
    __table_args__ = (
        sa.CheckConstraint("0 <= committed AND committed <= capacity", name="within_capacity"),
        sa.CheckConstraint("rate_floor IS NOT NULL OR spread IS NOT NULL", name="has_price"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    bank_id: UUID = Field(foreign_key="participant.id", index=True)
    currency: str = Field(max_length=3)
    capacity: int = _minor()
    committed: int = _minor()
    rate_floor: Decimal | None = _rate(nullable=True)
    spread: Decimal | None = _rate(nullable=True)
    grades: list[str] = _strings()
    min_term_months: int
    max_term_months: int
    min_amount: int = _minor()
    max_amount: int = _minor()
    per_borrower_cap: int | None = _minor(nullable=True)  # supply chain: per core enterprise
    expires_at: datetime | None = _moment(nullable=True)
    status: str = Field(max_length=16)  # OPEN or WITHDRAWN
    # LOAN offers fund loans; SUPPLY_CHAIN offers discount confirmed receivables at
    # `rate_floor` (annual), up to `max_tenor_days`, on the core enterprises listed (any if
    # none), each within a credit line of `per_borrower_cap` (domain/supply_chain).
    kind: str = Field(
        default="LOAN", sa_column=sa.Column(sa.String(16), nullable=False, server_default="LOAN")
    )
    max_tenor_days: int | None = None
    core_enterprise_ids: list[UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.Uuid()), nullable=False, server_default="{}"),
    )
    version: int = 1  # optimistic concurrency for the bank's updates
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
    # Stamped by a trigger on every write (migration 0061): which transaction wrote the row
    # last, and a per-row increasing number; processes' indexes of open sources follow them.
    source_xid: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, index=True))
    source_seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))


class PlatformBookRow(SQLModel, table=True):
    """The platform's own lending book in one currency, as the operator sets it: how much it
    may have lent at once (principal its live notes still hold) and its most in one loan."""

    __tablename__ = "platform_book"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("max_per_loan IS NULL OR max_per_loan > 0", name="max_positive"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)  # matches' source id
    currency: str = Field(max_length=3, unique=True)
    capacity: int = _minor()
    max_per_loan: int | None = _minor(nullable=True)
    version: int = 1
    updated_by: UUID | None = Field(default=None, foreign_key="participant.id")
    updated_at: datetime = _moment()


class AutoInvestRuleRow(SQLModel, table=True):
    __tablename__ = "auto_invest_rule"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    investor_id: UUID = Field(foreign_key="participant.id", index=True)
    currency: str = Field(max_length=3)
    grades: list[str] = _strings()
    min_term_months: int
    max_term_months: int
    min_rate: Decimal = _rate()
    max_per_loan: int = _minor()
    daily_budget: int = _minor()
    active: bool = True
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
    # Stamped by a trigger on every write (migration 0061): which transaction wrote the row
    # last, and a per-row increasing number; processes' indexes of open sources follow them.
    source_xid: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, index=True))
    source_seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))


class LoanMatch(SQLModel, table=True):
    """One fill the matching engine chose, with the engine's explanation."""

    __tablename__ = "loan_match"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    loan_id: UUID = Field(foreign_key="loan.id", index=True)
    source_kind: str = Field(max_length=16)  # BANK_OFFER, AUTO_INVEST or PLATFORM_BOOK
    source_id: UUID
    funder_id: UUID = Field(foreign_key="participant.id", index=True)
    amount: int = _minor()
    annual_rate: Decimal = _rate()
    note_id: UUID = Field(foreign_key="loan_note.id")
    explanation: dict[str, Any] = _json()
    created_at: datetime = _moment()


class Repayment(SQLModel, table=True):
    """Money the borrower (or a guarantor) paid on a loan: how it was allocated and shared."""

    __tablename__ = "repayment"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    loan_id: UUID = Field(foreign_key="loan.id", index=True)
    payer_id: UUID | None = Field(default=None, foreign_key="participant.id")
    # MANUAL, AUTO_DEBIT, RECOVERY, or a cover's payout on default: INSURANCE (an insurer),
    # GUARANTEE (a guarantor), GUARANTEE_FUND (the platform's guarantee fund).
    kind: str = Field(max_length=16)
    amount: int = _minor()
    shortfall: int = _minor()  # a cover's payout: what it owed beyond what it could pay
    penalty: int = _minor()
    fees: int = _minor()
    interest: int = _minor()
    principal: int = _minor()
    allocation: list[dict[str, Any]] = _json(list)  # per installment and component
    distribution: list[dict[str, Any]] = _json(list)  # per note holder and platform stream
    journal_id: UUID
    created_at: datetime = _moment(index=True)


class NoteSale(SQLModel, table=True):
    """A note offered on the secondary market, and its sale."""

    __tablename__ = "note_sale"
    __table_args__ = (
        sa.Index(
            "note_sale_one_open",
            "note_id",
            unique=True,
            postgresql_where=sa.text("status = 'OPEN'"),
        ),
        # The market as investors browse it: open sales newest first, keyset-paged.
        sa.Index(
            "note_sale_open_newest",
            sa.text("created_at DESC"),
            sa.text("id DESC"),
            postgresql_where=sa.text("status = 'OPEN'"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    note_id: UUID = Field(foreign_key="loan_note.id", index=True)
    seller_id: UUID = Field(foreign_key="participant.id")
    price: int = _minor()
    transfer_fee: int = _minor()
    status: str = Field(max_length=16)  # OPEN, SOLD, CANCELLED
    buyer_id: UUID | None = Field(default=None, foreign_key="participant.id")
    created_at: datetime = _moment()
    sold_at: datetime | None = _moment(nullable=True)


class OpenSourceDeletion(SQLModel, table=True):
    """A deleted bank offer or auto-invest rule, written by a trigger (migration 0080): a
    deleted row has no stamp left, and each process's index of open sources (which counts
    every source for explanations) must still learn it is gone. Rows are few (a rule's
    owner deleting it) and kept: an index built later never held the ids."""

    __tablename__ = "open_source_deletion"

    id: UUID = Field(primary_key=True)  # the offer's or rule's
    source_xid: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, index=True))
