"""The outbox: events written with the change that caused them, published after commit.

`id` orders events as they were recorded; `position` is given by the relay when it publishes,
in publish order, and is the cursor clients resume from (it orders events across topics).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_event"
    __table_args__ = (
        # The relay's scan: what is not yet published, oldest first.
        sa.Index(
            "ix_outbox_event_unpublished",
            "id",
            postgresql_where=sa.text("published_at IS NULL"),
        ),
        # A resuming subscriber's check: the first event of a topic after its cursor (one
        # index probe per topic, not a walk over every later event of every topic).
        sa.Index(
            "ix_outbox_event_topic_position",
            "topic",
            "position",
            postgresql_where=sa.text("position IS NOT NULL"),
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    type: str = Field(max_length=64)
    topic: str = Field(max_length=32)
    version: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    aggregate_type: str = Field(max_length=32)
    aggregate_id: str = Field(max_length=64)
    # The participants this event concerns: only they (and operators) may see it.
    audience: list[UUID] = Field(
        sa_column=sa.Column(ARRAY(sa.Uuid()), nullable=False, server_default="{}")
    )
    payload: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    correlation_id: str | None = Field(default=None, max_length=64)
    occurred_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    position: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, nullable=True, unique=True)
    )
    published_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True)
    )
