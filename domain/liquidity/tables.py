"""The last state of each risk threshold, so a crossing is announced once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class RiskThresholdState(SQLModel, table=True):
    __tablename__ = "risk_threshold_state"

    currency: str = Field(primary_key=True, max_length=3)
    metric: str = Field(primary_key=True, max_length=40)
    subject: str = Field(primary_key=True, max_length=40)  # "" or a participant id
    breached: bool
    value: str = Field(max_length=32)
    changed_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
