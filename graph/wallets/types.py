"""Wallets and statement entries as clients see them."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime

import strawberry

from domain.wallets import rails
from domain.wallets.services.accounts import WalletBalance
from domain.wallets.services.statement import StatementEntry as Entry
from graph.errors import UserError
from graph.idempotency import IdempotentPayload
from graph.money import Money
from graph.relay import Node, to_global_id

RailMethod = strawberry.enum(rails.RailMethod, description="How money enters or leaves.")


@strawberry.type(description="A participant's money in one currency.")
class Wallet:
    currency: str
    available: Money = strawberry.field(description="What may be spent now.")
    held: Money = strawberry.field(description="Reserved by holds (withdrawals in flight, ...).")
    total: Money

    @classmethod
    def of(cls, balance: WalletBalance) -> Wallet:
        return cls(
            currency=balance.currency,
            available=Money.of(balance.available),
            held=Money.of(balance.held),
            total=Money.of(balance.total),
        )


@strawberry.type(description="One journal entry that touched the wallet.")
class StatementEntry(Node):
    id: strawberry.ID
    at: datetime
    kind: str = strawberry.field(
        description="POSTED, PENDING (a hold), POST_PENDING or VOID_PENDING."
    )
    reason: str = strawberry.field(description="DEPOSIT, WITHDRAWAL, P2P, ...")
    direction: str = strawberry.field(description="IN or OUT of this wallet.")
    amount: Money
    journal_id: strawberry.ID

    @classmethod
    def of(cls, entry: Entry) -> StatementEntry:
        return cls(
            id=to_global_id("LedgerTransfer", entry.id),
            at=entry.at,
            kind=entry.kind,
            reason=entry.reason,
            direction="IN" if entry.incoming else "OUT",
            amount=Money.of(entry.amount),
            journal_id=strawberry.ID(str(entry.journal_id)),
        )


@strawberry.type(description="The outcome of moving money; `errors` says why it did not.")
class MoneyMovementPayload(IdempotentPayload):
    status: str | None = strawberry.field(
        default=None, description="SUCCEEDED, or PENDING while a bank has not answered."
    )
    journal_id: strawberry.ID | None = None
    hold_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A pending withdrawal's hold: the bank's answer captures or releases it.",
    )
    wallet: Wallet | None = strawberry.field(default=None, description="Your wallet after it.")
    errors: list[UserError] = field(default_factory=list)
