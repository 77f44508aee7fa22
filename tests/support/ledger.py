"""Ledger test helpers: a fixed clock reading and funded wallets."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import Leg, post_transfers

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def funded_wallets(
    sessions: async_sessionmaker[AsyncSession], amounts: list[int], currency: str = "CNY"
) -> tuple[int, list[int]]:
    """(settlement account, wallets) with each wallet funded from settlement."""
    async with sessions() as session:
        settlement = await open_account(
            session, kind=AccountKind.SETTLEMENT, currency=currency, now=NOW, label="bank"
        )
        wallets = [
            await open_account(
                session, kind=AccountKind.WALLET, currency=currency, now=NOW, label=f"w{i}"
            )
            for i in range(len(amounts))
        ]
        legs = [
            Leg(settlement, w, a, "DEPOSIT") for w, a in zip(wallets, amounts, strict=True) if a
        ]
        if legs:
            await post_transfers(session, legs=legs, now=NOW)
        await session.commit()
    return settlement, wallets
