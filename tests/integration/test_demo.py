"""`agora demo`: a small run in the suite, the marketplace it leaves, and its books balanced.

(`bench/demo.py` times the 30-day run.)"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.demo.run import DemoResult, play
from api.demo.scenes import all_scenes
from support.server import run_agora, server_env
from support.stores import StoreUrls, empty_stores, make_settings


async def test_agora_demo_days_3_fills_the_stores_and_ends_with_a_verified_ledger(
    clean_stores: StoreUrls,
) -> None:
    # when `agora demo --days 3` runs on the stores
    env = server_env(clean_stores, AGORA_ENV="dev")
    ran = await asyncio.to_thread(run_agora, "demo", "--days", "3", "--seed", "7", env=env)

    # then it told each day, the figures, the ledger's verdict and whom to sign in as
    assert ran.returncode == 0, ran.stderr + ran.stdout
    out = ran.stdout
    assert [line.split()[1] for line in out.splitlines() if line.startswith("day ")] == [
        "1/3",
        "2/3",
        "3/3",
    ]
    for line in ("lending", "payments", "bnpl", "secondary market", "crowdfunding"):
        assert f"volume: {line}" in out, line
    for stream in ("origination_fee", "mdr", "revenue_share", "transfer_fee", "crowdfunding_fee"):
        assert f"revenue: {stream}" in out, stream
    assert "outstanding: active loans" in out
    assert "ledger          consistent" in out
    for account in ("operator", "borrower", "bank API key", "merchant API key"):
        assert f"  {account}" in out, account
    # and the same seed on the same stores is refused rather than played twice
    again = await asyncio.to_thread(run_agora, "demo", "--days", "3", "--seed", "7", env=env)
    assert again.returncode == 1
    assert "already ran" in again.stderr


async def test_the_same_seed_plays_the_same_story(stores: StoreUrls) -> None:
    async def once() -> DemoResult:
        await empty_stores(stores)
        engine = create_async_engine(stores.database_url)
        try:
            sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            return await play(
                sessions=sessions, settings=make_settings(stores), days=1, seed=3, say=print
            )
        finally:
            await engine.dispose()

    first, second = await once(), await once()
    assert first.ledger.consistent
    assert second.ledger.consistent
    assert (first.operations, first.story, first.volume) == (
        second.operations,
        second.story,
        second.volume,
    )
    assert first.figures == second.figures


def test_every_scene_module_adds_itself() -> None:
    names = [scene.name for scene in all_scenes()]
    assert names[0] == "lending"  # loans first: later scenes trade and cover them
    assert {"commerce", "bnpl", "secondary_market", "crowdfunding"} <= set(names)
    assert len(names) == len(set(names))
