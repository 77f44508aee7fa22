"""Participants, their KYC submissions, sessions (refresh tokens) and API keys."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


def _timestamp(*, nullable: bool = False, index: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index)


class Participant(SQLModel, table=True):
    __tablename__ = "participant"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: str = Field(max_length=16)  # ParticipantKind
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254, unique=True)
    phone: str | None = Field(default=None, max_length=16, unique=True)
    password_hash: str = Field(max_length=255)
    roles: list[str] = Field(sa_column=sa.Column(ARRAY(sa.String(32)), nullable=False))
    kyc_status: str = Field(default="NOT_SUBMITTED", max_length=16)
    kyc_level: int = Field(default=0)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # Access tokens issued before this moment are revoked (a password change): the record a
    # revocation check reads when Redis cannot answer.
    sessions_revoked_before: datetime | None = Field(
        default=None, sa_column=_timestamp(nullable=True)
    )
    created_at: datetime = Field(sa_column=_timestamp(index=True))
    updated_at: datetime = Field(sa_column=_timestamp())


class KycSubmission(SQLModel, table=True):
    __tablename__ = "kyc_submission"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    participant_id: UUID = Field(foreign_key="participant.id", index=True)
    document_type: str = Field(max_length=24)
    legal_name: str = Field(max_length=120)
    # The number itself only encrypted; the mask to show, the fingerprint to find duplicates.
    document_number_sealed: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    document_number_masked: str = Field(max_length=40)
    document_fingerprint: str = Field(max_length=64, index=True)
    status: str = Field(default="PENDING", max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    decided_by: UUID | None = Field(default=None)
    submitted_at: datetime = Field(sa_column=_timestamp(index=True))
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class RefreshToken(SQLModel, table=True):
    """One link of a session's rotating chain; the family is the session."""

    __tablename__ = "refresh_token"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    family_id: UUID = Field(index=True)
    participant_id: UUID = Field(foreign_key="participant.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    issued_at: datetime = Field(sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=_timestamp())
    rotated_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    revoked_reason: str | None = Field(default=None, max_length=64)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    owner_id: UUID = Field(foreign_key="participant.id", index=True)
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16, unique=True)  # shown in listings, used for lookup
    secret_hash: str = Field(max_length=64)
    scopes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.String(32)), nullable=False))
    created_at: datetime = Field(sa_column=_timestamp())
    expires_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    replaces_id: UUID | None = Field(default=None)
