"""Statement entries as nodes (their ids name the ledger transfer): the caller's own wallet
entries, as walletStatement shows them."""

from __future__ import annotations

from uuid import UUID

from domain.wallets.services.statement import statement
from graph.context import Info
from graph.nodes import in_key_order, register_node
from graph.wallets.types import StatementEntry


async def _entries(info: Info, keys: list[UUID]) -> list[StatementEntry | None]:
    async with info.context.db() as session:
        rows = await statement(
            session, actor=info.context.actor, currency=None, limit=len(keys), ids=keys
        )
    return in_key_order(keys, rows, StatementEntry.of)


register_node("LedgerTransfer", StatementEntry, _entries)
