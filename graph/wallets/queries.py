"""Reading wallets and their statements."""

from __future__ import annotations

import strawberry

from domain.money import currency_of
from domain.participants.roles import Scope
from domain.wallets.services.accounts import my_wallets
from domain.wallets.services.statement import statement
from graph.context import Info
from graph.hardening.policy import page_size
from graph.pagination import Connection, connection, time_and_id
from graph.permissions import SIGNED_IN, allow
from graph.wallets.types import StatementEntry, Wallet


@strawberry.type
class WalletQueries:
    @allow(SIGNED_IN, key=Scope.WALLET_READ)
    @strawberry.field(description="Your wallets, one per currency you have used.")
    async def wallets(self, info: Info) -> list[Wallet]:
        async with info.context.db() as session:
            balances = await my_wallets(session, actor=info.context.actor)
        return [Wallet.of(b) for b in balances]

    @allow(SIGNED_IN, key=Scope.WALLET_READ)
    @strawberry.field(description="Your wallet in one currency (null if you never used it).")
    async def wallet(self, info: Info, currency: str) -> Wallet | None:
        currency_of(currency)
        async with info.context.db() as session:
            balances = await my_wallets(session, actor=info.context.actor)
        return next((Wallet.of(b) for b in balances if b.currency == currency), None)

    @allow(SIGNED_IN, key=Scope.WALLET_READ)
    @strawberry.field(description="Your wallet's entries in a currency, newest first.")
    async def wallet_statement(
        self,
        info: Info,
        currency: str,
        first: int | None = None,
        after: str | None = None,
        reason: str | None = None,
    ) -> Connection[StatementEntry]:
        currency_of(currency)
        page = page_size(first, info.context.hardening)
        before = time_and_id(after)
        async with info.context.db() as session:
            rows = await statement(
                session,
                actor=info.context.actor,
                currency=currency,
                limit=page + 1,
                before=before,
                reason=reason,
            )
        return connection(
            rows, page=page, key=lambda e: (e.at.isoformat(), e.id), node=StatementEntry.of
        )
