"""Webhook endpoints, the deliveries owed to them, every attempt, and the fan-out cursor."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


def _timestamp(*, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    owner_id: UUID = Field(foreign_key="participant.id", index=True)
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=200)
    # EventType values; empty means every type.
    event_types: list[str] = Field(
        sa_column=sa.Column(ARRAY(sa.String(64)), nullable=False, server_default="{}")
    )
    enabled: bool = Field(default=True)
    # The signing secrets only sealed by the platform vault; the previous one signs too
    # until previous_secret_expires_at, so receivers can switch over without a gap.
    secret_sealed: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    previous_secret_sealed: bytes | None = Field(
        default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True)
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None, sa_column=_timestamp(nullable=True)
    )
    secret_rotated_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # Since when every attempt has failed (None after any success): drives auto-disabling.
    failing_since: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())
    deleted_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one endpoint, until it is delivered, fails for good or is cancelled."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The workers' scan: pending deliveries by when they are due.
        sa.Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'PENDING'"),
        ),
        # The fan-out owes each event to each endpoint once; manual redeliveries add copies.
        sa.Index(
            "uq_webhook_delivery_event",
            "endpoint_id",
            "event_id",
            unique=True,
            postgresql_where=sa.text("redelivery_of IS NULL"),
        ),
        # The owner's log, newest first.
        sa.Index("ix_webhook_delivery_owner", "owner_id", "created_at", "id"),
        # The log's pruning: finished deliveries, oldest first, and the copies of each.
        sa.Index(
            "ix_webhook_delivery_finished",
            "completed_at",
            postgresql_where=sa.text("status <> 'PENDING'"),
        ),
        sa.Index(
            "ix_webhook_delivery_redelivery_of",
            "redelivery_of",
            postgresql_where=sa.text("redelivery_of IS NOT NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    endpoint_id: UUID = Field(foreign_key="webhook_endpoint.id")
    owner_id: UUID = Field(foreign_key="participant.id")
    event_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    event_position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    event_type: str = Field(max_length=64)
    message_id: str = Field(max_length=64)  # webhook-id: the same on every attempt and copy
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # the exact bytes signed
    status: str = Field(default="PENDING", max_length=16)  # DeliveryStatus
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # Set by the worker that claimed the delivery; only that worker may record the outcome.
    claim_token: UUID | None = Field(default=None)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=200)
    redelivery_of: UUID | None = Field(default=None, foreign_key="webhook_delivery.id")
    created_at: datetime = Field(sa_column=_timestamp())
    completed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class WebhookAttempt(SQLModel, table=True):
    """One POST and its answer, kept for the delivery log."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    delivery_id: UUID = Field(foreign_key="webhook_delivery.id", index=True)
    number: int
    attempted_at: datetime = Field(sa_column=_timestamp())
    duration_ms: int
    status_code: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=200)
    response_snippet: str = Field(default="", max_length=500)
    succeeded: bool


class WebhookFanOutCursor(SQLModel, table=True):
    """The last outbox position turned into deliveries; its row lock admits one worker at a time."""

    __tablename__ = "webhook_fan_out_cursor"

    name: str = Field(primary_key=True, max_length=32)
    position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=_timestamp())
