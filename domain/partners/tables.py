"""Channel partners' rows: referral codes, who registered through one, versioned agreements
and the monthly statements the worker books."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel


def _moment() -> Any:
    return Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class ReferralCode(SQLModel, table=True):
    __tablename__ = "partner_referral_code"

    code: str = Field(primary_key=True, max_length=16)
    partner_id: UUID = Field(foreign_key="participant.id", unique=True)
    created_at: datetime = _moment()


class Referral(SQLModel, table=True):
    """A participant who registered with a partner's referral code (kept from sign-up)."""

    __tablename__ = "partner_referral"

    participant_id: UUID = Field(primary_key=True, foreign_key="participant.id")
    partner_id: UUID = Field(foreign_key="participant.id", index=True)
    code: str = Field(max_length=16)
    created_at: datetime = _moment()


class PartnerAgreement(SQLModel, table=True):
    """A partner's share of named revenue streams from its referred participants, for the
    months from `valid_from` to `valid_to` (null: open). A new one is a new version; for a
    month, the highest version covering it governs."""

    __tablename__ = "partner_agreement"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "currency", "version", name="partner_agreement_version"),
        sa.CheckConstraint("share_bps BETWEEN 0 AND 10000", name="share_within_whole"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    partner_id: UUID = Field(foreign_key="participant.id", index=True)
    currency: str = Field(max_length=3)
    version: int
    streams: list[str] = Field(sa_column=sa.Column(ARRAY(sa.String(64)), nullable=False))
    share_bps: int
    valid_from: date = Field(sa_column=sa.Column(sa.Date, nullable=False))  # a month's 1st
    valid_to: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    created_by: UUID | None = Field(default=None, foreign_key="participant.id")
    created_at: datetime = _moment()


class PartnerStatement(SQLModel, table=True):
    """One month's share booked to a partner: per stream, the referred revenue and the share."""

    __tablename__ = "partner_statement"

    partner_id: UUID = Field(primary_key=True, foreign_key="participant.id")
    currency: str = Field(primary_key=True, max_length=3)
    month: date = Field(sa_column=sa.Column(sa.Date, primary_key=True, nullable=False))
    agreement_id: UUID = Field(foreign_key="partner_agreement.id")
    agreement_version: int
    share_bps: int
    lines: list[dict[str, Any]] = Field(sa_column=sa.Column(JSONB, nullable=False))
    revenue: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    share: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    journal_id: UUID | None = None  # the posting; null when the share was zero
    booked_at: datetime = _moment()
