"""The disclosure's rows: the live figures (replaced by each worker run) and the monthly
snapshots (written once at month end, never changed: a trigger refuses edits)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class DisclosureLive(SQLModel, table=True):
    """The latest figures per currency, as the worker last computed them."""

    __tablename__ = "disclosure_live"

    currency: str = Field(primary_key=True, max_length=3)
    computed_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    document: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # canonical JSON
    content_hash: str = Field(max_length=64)


class DisclosureSnapshot(SQLModel, table=True):
    """A month's figures frozen at its end: the canonical document and its sha256."""

    __tablename__ = "disclosure_snapshot"

    currency: str = Field(primary_key=True, max_length=3)
    month: date = Field(sa_column=sa.Column(sa.Date, primary_key=True, nullable=False))
    computed_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    document: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # canonical JSON
    content_hash: str = Field(max_length=64)
