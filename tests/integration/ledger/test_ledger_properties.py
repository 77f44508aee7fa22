"""Random sequences of transfers, holds, posts and voids on real PostgreSQL: the books always
balance, every balance equals its journal, and no wallet goes below zero."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.holds import post_hold, void_hold
from domain.ledger.services.posting import Leg, lock_accounts, post_transfers
from domain.ledger.services.verification import verify_ledger
from support.examples import examples
from support.ledger import NOW
from support.stores import StoreUrls

_runs = itertools.count()
operation = st.one_of(
    st.tuples(st.just("transfer"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 400)),
    st.tuples(st.just("hold"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 400)),
    st.tuples(st.just("post"), st.integers(0, 20), st.integers(0, 400)),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("split"), st.integers(0, 3), st.integers(1, 300), st.integers(1, 300)),
)


async def run_sequence(database_url: str, ops: list[tuple[Any, ...]]) -> None:
    engine = create_async_engine(database_url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    run = next(_runs)
    try:
        async with sessions() as session:
            bank = await open_account(
                session, kind=AccountKind.SETTLEMENT, currency="EUR", now=NOW, label=f"prop-{run}"
            )
            wallets = [
                await open_account(
                    session,
                    kind=AccountKind.WALLET,
                    currency="EUR",
                    now=NOW,
                    label=f"prop-{run}-{i}",
                )
                for i in range(4)
            ]
            await post_transfers(
                session, legs=[Leg(bank, w, 500, "SEED") for w in wallets], now=NOW
            )
            await session.commit()
        holds = []
        for op in ops:
            async with sessions() as session:
                try:
                    holds += await apply(session, op, wallets, holds)
                    await session.commit()
                except DomainError:
                    await session.rollback()  # refused: nothing of it may remain
        async with sessions() as session:
            report = await verify_ledger(session)
        async with sessions() as session:
            locked = await lock_accounts(session, set(wallets))
        assert report.consistent, report
        assert all(account.balances.available_credit >= 0 for account in locked.values())
    finally:
        await engine.dispose()


async def apply(
    session: AsyncSession, op: tuple[Any, ...], wallets: list[int], holds: list
) -> list:
    kind = op[0]
    if kind in ("transfer", "hold") and op[1] != op[2]:
        phase = TransferKind.POSTED if kind == "transfer" else TransferKind.PENDING
        ids = await post_transfers(
            session, legs=[Leg(wallets[op[1]], wallets[op[2]], op[3], "P")], now=NOW, kind=phase
        )
        return ids if kind == "hold" else []
    if kind == "split":  # a two-leg operation: both legs or neither
        source, a, b = wallets[op[1]], op[2], op[3]
        targets = [w for w in wallets if w != source][:2]
        await post_transfers(
            session,
            legs=[Leg(source, targets[0], a, "S"), Leg(source, targets[1], b, "S")],
            now=NOW,
        )
    elif kind == "post" and holds:
        await post_hold(session, hold_id=holds[op[1] % len(holds)], now=NOW, amount=op[2] or None)
    elif kind == "void" and holds:
        await void_hold(session, hold_id=holds[op[1] % len(holds)], now=NOW)
    return []


@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=25))
def test_random_ledger_operations_keep_every_invariant(stores: StoreUrls, ops: list) -> None:
    asyncio.run(run_sequence(stores.database_url, ops))
