"""`wallet.changed`: every posting that touches a participant's wallet tells its owner.

Emitted by the ledger itself, so every money movement (today's wallets, tomorrow's loans and
payments) reaches the owner's `walletChanged` subscription without the use case asking.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.events.rows import payload_row
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import Balances
from domain.ledger.events import WalletChanged


class _Account(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def owner_id(self) -> UUID | None: ...
    @property
    def balances(self) -> Balances: ...


def wallet_changes(
    accounts: Iterable[_Account], *, journal_id: UUID, reason: str, now: datetime
) -> list[dict[str, Any]]:
    """One outbox row per wallet among `accounts`, with its balances after the change."""
    journal = str(journal_id)
    return [
        payload_row(
            WalletChanged(
                currency=account.currency,
                available=account.balances.available_credit,
                held=account.balances.debits_pending,
                total=account.balances.credit_balance,
                journal_id=journal,
                reason=reason,
            ),
            aggregate_id=account.id,
            audience=[account.owner_id],
            occurred_at=now,
        )
        for account in accounts
        if account.kind == AccountKind.WALLET.value and account.owner_id is not None
    ]
