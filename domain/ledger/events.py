"""The ledger's event: `wallet.changed`, a wallet's balances after a posting touched it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class WalletChanged(EventPayload):
    EVENT_TYPE: ClassVar[EventType] = EventType.WALLET_CHANGED
    AGGREGATE_TYPE: ClassVar[str] = "Wallet"

    currency: str
    available: int  # minor units, as the balances below
    held: int
    total: int
    journal_id: str
    reason: str  # DEPOSIT, WITHDRAWAL, P2P, ...
