"""Locking accounts by what they are, while other transactions post to the same accounts."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import (
    AccountKey,
    KeyedLeg,
    LockedAccount,
    _lock,  # the one statement that finds and locks
    lock_accounts_by_key,
    post_by_key,
)
from support.ledger import NOW

Sessions = async_sessionmaker[AsyncSession]
KEYS = [
    AccountKey(AccountKind.ESCROW, "CNY", label="payments"),
    AccountKey(AccountKind.PLATFORM_REVENUE, "CNY", label="mdr"),
    AccountKey(AccountKind.SETTLEMENT, "CNY", label="bank"),
]
# As many accounts as a platform soon has: PostgreSQL then finds the keyed ones by index, in
# a plan where a locking statement that joined its keys lost rows updated concurrently (on a
# near-empty table it chose another plan, which hid that).
OTHER_ACCOUNTS = text(
    "INSERT INTO ledger_account (currency, kind, owner_id, label, debits_must_not_exceed_credits,"
    " credits_must_not_exceed_debits, frozen, created_at)"
    " SELECT 'CNY', 'WALLET', NULL, 'other-' || n, true, false, false, now()"
    " FROM generate_series(1, 3000) AS n"
)
LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def waiting_for_a_lock(sessions: Sessions, deadline_seconds: float = 60) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        async with sessions() as session:
            if (await (await session.connection()).execute(LOCK_WAITS)).scalar_one() > 0:
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the locking statement never waited for the posting's row locks")


async def test_accounts_a_concurrent_posting_updated_are_all_returned_locked(
    sessions: Sessions,
) -> None:
    # given the accounts, among many others, known to the planner
    async with sessions() as session:
        await lock_accounts_by_key(session, KEYS, now=NOW)  # opens them
        await (await session.connection()).execute(OTHER_ACCOUNTS)
        await session.commit()
    async with sessions() as session:
        await (await session.connection()).execute(text("ANALYZE ledger_account"))
        await session.commit()

    # when a posting holds all three (updated, not yet committed) while we lock them by key
    # (the statement itself: lock_accounts_by_key runs it again for what it misses, which
    # hides a loss unless another posting holds the accounts again by then, as under load)
    async def lock() -> dict[AccountKey, LockedAccount]:
        async with sessions() as session:
            return await _lock(session, KEYS)

    async with sessions() as posting:
        await (await posting.connection()).execute(
            text(
                "UPDATE ledger_account SET credits_posted = credits_posted + 1"
                " WHERE owner_id IS NULL AND label IN ('payments', 'mdr', 'bank')"
            )
        )
        locking = asyncio.create_task(lock())
        await waiting_for_a_lock(sessions)
        await posting.commit()
    locked = await locking

    # then every account comes back, locked, with the posting's balances
    assert set(locked) == set(KEYS)
    assert all(account.balances.credits_posted == 1 for account in locked.values())


async def test_a_posting_by_key_opens_what_is_new_and_then_costs_two_statements(
    sessions: Sessions,
) -> None:
    bank = AccountKey(AccountKind.SETTLEMENT, "CNY", label="bank")
    first, second = (AccountKey(AccountKind.WALLET, "CNY", label=f"by-key-{n}") for n in (1, 2))
    # given two accounts known only by key, never opened
    async with sessions() as session:
        await post_by_key(
            session,
            legs=[KeyedLeg(bank, first, 100, "DEPOSIT"), KeyedLeg(bank, second, 50, "DEPOSIT")],
            now=NOW,
        )
        await session.commit()

    # when the accounts exist, a posting by key finds and locks them in one statement
    statements = 0

    def seen(*_args: object) -> None:
        nonlocal statements
        statements += 1

    engine = sessions.kw["bind"].sync_engine
    async with sessions() as session:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            await post_by_key(session, legs=[KeyedLeg(first, second, 30, "TRANSFER")], now=NOW)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        await session.commit()

    # then the lock and the posting's write are all it costs, and the balances are right
    assert statements == 2
    async with sessions() as session:
        rows = {
            row.label: row.credits_posted - row.debits_posted
            for row in await (await session.connection()).execute(
                text("SELECT label, credits_posted, debits_posted FROM ledger_account")
            )
        }
    assert (rows["by-key-1"], rows["by-key-2"], rows["bank"]) == (70, 80, -150)
