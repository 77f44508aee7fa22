"""The append-only audit table (a trigger in its migration refuses UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    occurred_at: datetime = Field(
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)
    )
    actor_kind: str = Field(max_length=16)
    actor_id: UUID | None = Field(default=None, index=True)
    api_key_id: UUID | None = Field(default=None)
    action: str = Field(max_length=64, index=True)
    outcome: str = Field(max_length=16)  # SUCCESS, FAILURE, DENIED
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=256)
    request_id: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB, nullable=False)
    )
