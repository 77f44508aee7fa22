"""`agora ledger verify`, through the entry point an operator's `agora` runs."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from support.cli import Ran, agora_here
from support.ledger import funded_wallets
from support.stores import StoreUrls


def verify(stores: StoreUrls) -> Ran:
    return agora_here("ledger", "verify", env={"DATABASE_URL": stores.database_url})


async def test_verify_passes_on_sound_books_and_fails_on_a_tampered_balance(
    sessions: async_sessionmaker[AsyncSession], clean_stores: StoreUrls
) -> None:
    _, (wallet, _) = await funded_wallets(sessions, [2_500, 1_000])

    sound = verify(clean_stores)
    async with sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE ledger_account SET credits_posted = credits_posted + 1 WHERE id = :id"),
            {"id": wallet},
        )
        await session.commit()
    tampered = verify(clean_stores)

    assert sound.returncode == 0, sound.stdout + sound.stderr
    assert "CNY             debits 3500 = credits 3500 posted" in sound.stdout
    assert "ledger          consistent" in sound.stdout
    assert tampered.returncode == 1
    assert f"MISMATCH        account {wallet}" in tampered.stdout
    assert "UNBALANCED" in tampered.stdout
