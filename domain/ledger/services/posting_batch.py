"""Many postings, each its own journal, decided one at a time and written in one statement.

A job posting for many accounts at once (the settlement's payouts) locks them all first, then
decides each posting in memory exactly as post_transfers does (the pair checked, the limits
held) and writes every transfer, balance, daily outflow and wallet.changed event together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.ledger.balances import TransferKind
from domain.ledger.services.journal_writes import write_posting
from domain.ledger.services.outflow import Outflow, outflow_rows
from domain.ledger.services.posting import (
    Leg,
    LockedAccount,
    check_pair,
    is_wallet,
    move,
    transfer_row,
)
from domain.ledger.wallet_events import wallet_changes


@dataclass
class PostingBatch:
    now: datetime
    transfers: list[dict[str, Any]] = field(default_factory=list)
    outflows: list[Outflow] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    touched: dict[int, LockedAccount] = field(default_factory=dict)

    def add(
        self,
        leg: Leg,
        debit: LockedAccount,
        credit: LockedAccount,
        kind: TransferKind = TransferKind.POSTED,
    ) -> UUID:
        """Post one leg (or hold it, kind=PENDING) under a journal of its own, on accounts the
        caller locked; InsufficientFunds, AccountFrozen, ... as post_transfers. Its id."""
        if kind not in (TransferKind.POSTED, TransferKind.PENDING) or leg.amount <= 0:
            raise InvalidInput("a positive posting or hold", field="amount")
        check_pair(debit, credit)
        move(kind, debit, credit, leg.amount)
        journal = uuid4()
        row = transfer_row(leg, debit.currency, journal, kind, self.now)
        self.transfers.append(row)
        if is_wallet(debit):  # what leaves a wallet counts toward its owner's daily limits
            self.outflows.append(Outflow(debit.id, leg.reason, leg.amount, self.now))
        self.events += wallet_changes(
            [debit, credit], journal_id=journal, reason=leg.reason, now=self.now
        )
        self.touched.update({debit.id: debit, credit.id: credit})
        transfer_id: UUID = row["id"]
        return transfer_id

    async def write(self, session: AsyncSession, *, events: Sequence[dict[str, Any]] = ()) -> None:
        """Write every posting added, in one statement (nothing if none was), with the
        caller's own `events` (outbox rows, recorded before the postings'): one round trip."""
        if self.transfers:
            await write_postings(
                session,
                transfers=self.transfers,
                accounts=self.touched.values(),
                outflows=self.outflows,
                events=[*events, *self.events],
            )


async def write_postings(
    session: AsyncSession,
    *,
    transfers: Sequence[dict[str, Any]],
    accounts: Iterable[LockedAccount],
    outflows: Iterable[Outflow],
    events: list[dict[str, Any]],
) -> None:
    """Postings decided in memory on locked `accounts` (their balances now as decided): the
    transfers, balances, daily outflows and events in one statement."""
    await write_posting(
        session,
        transfers=transfers,
        balances=[{"id": a.id, **asdict(a.balances)} for a in accounts],
        outflows=outflow_rows(outflows),
        events=events,
    )
