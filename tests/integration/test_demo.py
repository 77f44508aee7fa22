"""`agora demo`: a small run in the suite, the marketplace it leaves, its books balanced, and
the same story again from the same seed.

(`bench/demo.py` times the 30-day run.)"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

import api.demo.run
from api.demo.run import DemoResult, play
from api.demo.scenes import all_scenes
from api.demo.world import World
from domain.actors import Actor
from domain.clock import FixedClock
from support.cli import Ran, agora_here
from support.server import server_env
from support.stores import StoreUrls, empty_stores, make_settings

SEED = 7
DAYS = 3


@dataclass(frozen=True)
class CommandRun:
    """`agora demo --days 3 --seed 7` on emptied stores: what it printed, and the story it
    played (caught on its way to the summary), which a second play must repeat."""

    ran: Ran
    played: DemoResult


def demo_env(stores: StoreUrls) -> dict[str, str]:
    return server_env(stores, AGORA_ENV="dev")


@pytest.fixture(scope="module")
async def command_run(stores: StoreUrls) -> CommandRun:
    # One run of the demo costs seconds of CPU (and minutes of wall time on a shared
    # machine): the command's run is also the first of the two plays compared for determinism.
    await empty_stores(stores)
    played: list[DemoResult] = []

    async def recorded(**arguments: Any) -> DemoResult:
        result = await play(**arguments)
        played.append(result)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api.demo.run, "play", recorded)
        ran = await asyncio.to_thread(
            agora_here, "demo", "--days", str(DAYS), "--seed", str(SEED), env=demo_env(stores)
        )
    assert len(played) == 1, ran.stderr + ran.stdout
    return CommandRun(ran, played[0])


async def test_agora_demo_days_3_fills_the_stores_and_ends_with_a_verified_ledger(
    command_run: CommandRun, stores: StoreUrls
) -> None:
    # when `agora demo --days 3` ran on the stores
    ran = command_run.ran

    # then it told each day, the figures, the ledger's verdict and whom to sign in as
    assert ran.returncode == 0, ran.stderr + ran.stdout
    out = ran.stdout
    assert [line.split()[1] for line in out.splitlines() if line.startswith("day ")] == [
        "1/3",
        "2/3",
        "3/3",
    ]
    for line in (
        "lending",
        "payments",
        "bnpl",
        "secondary market",
        "crowdfunding",
        "wealth",
        "supply chain",
    ):
        assert f"volume: {line}" in out, line
    for stream in (
        "origination_fee",
        "mdr",
        "revenue_share",
        "transfer_fee",
        "crowdfunding_fee",
        "insurance_commission",
        "management_fee",
        "scf_fee",
        "advertising",
    ):
        assert f"revenue: {stream}" in out, stream
    assert "outstanding: active loans" in out
    assert "ledger          consistent" in out
    for account in ("operator", "borrower", "bank API key", "merchant API key"):
        assert f"  {account}" in out, account
    # and the same seed on the same stores is refused rather than played twice
    again = await asyncio.to_thread(
        agora_here, "demo", "--days", str(DAYS), "--seed", str(SEED), env=demo_env(stores)
    )
    assert again.returncode == 1
    assert "already ran" in again.stderr


async def test_the_same_seed_plays_the_same_story(
    command_run: CommandRun, stores: StoreUrls
) -> None:
    await empty_stores(stores)
    engine = create_async_engine(stores.database_url)
    try:
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        second = await play(
            sessions=sessions, settings=make_settings(stores), days=DAYS, seed=SEED, say=print
        )
    finally:
        await engine.dispose()

    first = command_run.played
    assert first.ledger.consistent
    assert second.ledger.consistent
    assert (first.operations, first.story, first.volume, first.refusals) == (
        second.operations,
        second.story,
        second.volume,
        second.refusals,
    )
    assert first.figures == second.figures


def test_every_scene_module_adds_itself() -> None:
    names = [scene.name for scene in all_scenes()]
    # loans before the scenes that trade them
    assert names.index("lending") < names.index("secondary_market")
    assert {"sign_ups", "commerce", "bnpl", "crowdfunding"} <= set(names)
    assert {"insurance", "wealth", "supply_chain"} <= set(names)
    # the covered checkouts sell through commerce's shops; the bank's offers come from lending
    assert names.index("commerce") < names.index("insurance")
    assert names.index("lending") < names.index("supply_chain")
    assert len(names) == len(set(names))


def test_the_demo_never_runs_in_production(stores: StoreUrls) -> None:
    env = server_env(
        stores,
        AGORA_ENV="production",
        AGORA_PASSWORD_HASH_ITERATIONS="2",
        AGORA_PASSWORD_HASH_MEMORY_KIB="19456",
    )
    refused = agora_here("demo", "--days", "1", env=env)
    assert refused.returncode == 2
    assert "never runs in production" in refused.stderr


def test_order_references_never_repeat_even_when_a_sale_fails() -> None:
    # A reference counted from the sales made repeated after a failed payment ("you already
    # have a payment for this order" stopped `--days 30`): references come from a counter.
    world = World(
        sessions=None,  # type: ignore[arg-type]  # keys need no stores
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
        rng=random.Random(1),
        seed=1,
        hasher=None,  # type: ignore[arg-type]
        vault=None,  # type: ignore[arg-type]
        password="",
        operator=Actor.system(),
        started=datetime(2026, 1, 1, tzinfo=UTC),
    )
    references = [world.key("ORDER") for _ in range(50)] + [world.key("COVERED")]
    assert len(set(references)) == len(references)
