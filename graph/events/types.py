"""Events as subscribers see them: a common interface, the generic Event, and typed ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain.events import catalog
from domain.money import Money as DomainMoney
from domain.wallets.services.accounts import WalletBalance
from graph.context import DeliveredEvent
from graph.wallets.types import Wallet

EventType = strawberry.enum(
    catalog.EventType, description="What happened; the prefix of its value is its topic."
)


@strawberry.interface(description="What every event carries.")
class DomainEvent:
    cursor: str = strawberry.field(
        description="The event's position: pass it as `after` to resume right after it."
    )
    occurred_at: datetime
    correlation_id: str | None = strawberry.field(
        description="The request (or job) that caused it, as in the logs' request_id."
    )


@strawberry.type(description="An event with its payload as recorded (see `version`).")
class PayloadEvent(DomainEvent):
    aggregate_type: str
    aggregate_id: str
    version: int = strawberry.field(description="The payload's shape: read it before payload.")
    payload: JSON

    @classmethod
    def of(cls, event: DeliveredEvent, **extra: Any) -> Any:
        return cls(
            cursor=str(event.position),
            occurred_at=event.occurred_at,
            correlation_id=event.correlation_id,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            version=event.version,
            payload=JSON(event.payload),
            **extra,
        )


@strawberry.type(description="Any event: what the generic `events` subscription streams.")
class Event(PayloadEvent):
    type: EventType  # type: ignore[valid-type]

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> Event:
        return cls.of(event, type=catalog.EventType(event.type))  # type: ignore[no-any-return]


@strawberry.type(description="A wallet's balances changed: every posting that touches it.")
class WalletChangedEvent(DomainEvent):
    wallet: Wallet = strawberry.field(description="The wallet right after the change.")
    journal_id: strawberry.ID = strawberry.field(description="The ledger journal entry.")
    reason: str = strawberry.field(description="DEPOSIT, WITHDRAWAL, P2P, ...")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> WalletChangedEvent:
        payload = event.payload
        currency = payload["currency"]
        balance = WalletBalance(
            currency=currency,
            available=DomainMoney(payload["available"], currency),
            held=DomainMoney(payload["held"], currency),
        )
        return cls(
            cursor=str(event.position),
            occurred_at=event.occurred_at,
            correlation_id=event.correlation_id,
            wallet=Wallet.of(balance),
            journal_id=strawberry.ID(payload["journal_id"]),
            reason=payload["reason"],
        )


# The lending and commerce capabilities will give these typed fields; until then they carry
# the recorded payload (see README: "Adding a typed subscription").
@strawberry.type(description="Investors were matched with a loan listing.")
class MatchCreatedEvent(PayloadEvent):
    pass


@strawberry.type(description="A loan was fully funded.")
class LoanFundedEvent(PayloadEvent):
    pass


@strawberry.type(description="A repayment was received and allocated.")
class RepaymentReceivedEvent(PayloadEvent):
    pass


@strawberry.type(description="An installment fell due.")
class InstallmentDueEvent(PayloadEvent):
    pass


@strawberry.type(description="A payment changed state.")
class PaymentUpdatedEvent(PayloadEvent):
    pass
