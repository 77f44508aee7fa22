"""Playing the demo: the scenes' setup two months back, then day after day, the worker's jobs
at each day's end, a progress line per day, and the summary with the ledger verified."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.demo.report import Figures, read_figures
from api.demo.scenes import all_scenes
from api.demo.world import CURRENCY, World
from api.security.keys import platform_keys
from api.security.passwords import Argon2Hasher
from api.security.vault import AesGcmVault
from api.settings import Settings
from api.worker import run_jobs_once, worker_context
from domain.actors import Actor, ActorKind
from domain.clock import FixedClock, SystemClock
from domain.ledger.services.verification import LedgerReport, verify_ledger
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.participants.tables import Participant

HISTORY = timedelta(days=65)  # the scenes' setup: before the first day, so loans fall due in it
HISTORY_STEP = timedelta(days=5)  # the worker's catch-up over that history
BAR = 20
# The demo's people sign in with it; the demo refuses to run in production.
DEMO_PASSWORD = "agora-demo-password"  # noqa: S105


class AlreadyPlayed(Exception):
    """This seed's demo is already on these stores."""


@dataclass(frozen=True)
class DemoResult:
    days: int
    operations: int
    seconds: float
    figures: Figures
    ledger: LedgerReport
    accounts: dict[str, str]
    refusals: dict[str, int]
    volume: dict[str, int]
    story: dict[str, int]


async def play(
    *,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    days: int,
    seed: int,
    say: Callable[[str], None] = print,
    password: str = DEMO_PASSWORD,
) -> DemoResult:
    """Seed and simulate `days` days ending yesterday; deterministic for `seed`."""
    started_at = time.perf_counter()
    midnight = datetime.combine(SystemClock().now().date(), clock_time(), tzinfo=UTC)
    first_day = midnight - timedelta(days=days)
    clock = FixedClock(first_day - HISTORY + timedelta(hours=9))
    _, data_key = platform_keys(settings)
    hasher = Argon2Hasher(
        time_cost=settings.password_hash_iterations,
        memory_cost_kib=settings.password_hash_memory_kib,
    )
    world = World(
        sessions=sessions,
        clock=clock,
        rng=random.Random(seed),  # noqa: S311  # a story's dice, not a secret
        seed=seed,
        hasher=hasher,
        vault=AesGcmVault(data_key),
        password=password,
        operator=Actor.system(),
        started=first_day,
    )
    await _refuse_replay(world)
    world.operator = await _operator(world)
    scenes = all_scenes()
    say(
        f"agora demo: seed {seed}, {days} days from {first_day.date()}, scenes: "
        + ", ".join(scene.name for scene in scenes)
    )
    for scene in scenes:
        await scene.setup(world)
    async with worker_context(settings, sessions, clock) as worker:
        while clock.now() + HISTORY_STEP < first_day:
            clock.advance(HISTORY_STEP)
            await run_jobs_once(worker)
        for day in range(1, days + 1):
            before = world.operations
            for scene in scenes:
                await scene.day(world, day)
            world.at(day, 23)
            await run_jobs_once(worker)
            say(_progress(world, day, days, world.operations - before))
    figures = await read_figures(sessions, CURRENCY)
    async with sessions() as session:
        ledger = await verify_ledger(session)
    return DemoResult(
        days=days,
        operations=world.operations,
        seconds=time.perf_counter() - started_at,
        figures=figures,
        ledger=ledger,
        accounts=world.accounts,
        refusals=dict(world.refusals),
        volume=dict(world.volume),
        story=dict(world.story),
    )


async def _refuse_replay(world: World) -> None:
    async with world.sessions() as session:
        found = await session.exec(
            select(Participant.id).where(col(Participant.email) == world.email("operator"))
        )
        if found.first() is not None:
            raise AlreadyPlayed(
                f"the demo with seed {world.seed} already ran on these stores: pass another "
                "--seed, or start from an empty AGORA_DATA_DIR"
            )


async def _operator(world: World) -> Actor:
    """The demo's operator, made as `agora create-operator` makes one."""
    email = world.email("operator")
    made = await world.run(
        lambda session: register(
            session=session,
            clock=world.clock,
            actor=Actor.system(),
            hasher=world.hasher,
            kind=ParticipantKind.PERSON,
            display_name="Demo operator",
            email=email,
            phone=None,
            password=world.password,
            roles=frozenset({Role.OPERATOR}),
        )
    )
    world.accounts["operator"] = email
    return Actor(ActorKind.PERSON, participant_id=made.id, roles=frozenset({Role.OPERATOR}))


def _progress(world: World, day: int, days: int, operations: int) -> str:
    filled = round(BAR * day / days)
    volume = Money(sum(world.volume.values()), CURRENCY).text()
    return (
        f"day {day:>3}/{days} {world.clock.now().date()} [{'#' * filled}{'.' * (BAR - filled)}]"
        f" {operations:>4} operations, {sum(world.refusals.values())} refused so far,"
        f" volume {volume}"
    )


def cny(minor: int) -> str:
    return Money(minor, CURRENCY).to_decimal_string()


def summary(result: DemoResult) -> list[str]:
    """The closing table: volume, revenue by stream, outstanding, overdue, the ledger."""
    lines = ["", f"{'':<2}{'figure':<44}{'amount (' + CURRENCY + ')':>18}"]
    for line, minor in sorted(result.volume.items()):
        lines.append(f"  volume: {line:<36}{cny(minor):>18}")
    for stream, minor in sorted(result.figures.revenue.items()):
        lines.append(f"  revenue: {stream:<35}{cny(minor):>18}")
    lines.append(f"  revenue: {'total':<35}{cny(sum(result.figures.revenue.values())):>18}")
    for state, (loans, principal) in sorted(result.figures.outstanding.items()):
        lines.append(
            f"  outstanding: {state.lower() + ' loans (' + str(loans) + ')':<31}"
            f"{cny(principal):>18}"
        )
    if not result.figures.overdue:
        lines.append(f"  overdue: {'none':<35}{cny(0):>18}")
    for bucket, (count, owed) in sorted(result.figures.overdue.items()):
        lines.append(
            f"  overdue: {bucket + ' (' + str(count) + ' instalments)':<35}{cny(owed):>18}"
        )
    lines += ["", "what happened:"]
    lines += [f"  {n:>5}  {what}" for what, n in sorted(result.story.items())]
    refused = ", ".join(f"{code} {n}" for code, n in sorted(result.refusals.items())) or "none"
    rate = result.operations / result.seconds if result.seconds else 0.0
    lines += [
        "",
        f"{result.operations} operations in {result.seconds:.1f} s ({rate:.0f} a second); "
        f"refused as the rules say: {refused}",
    ]
    return lines


def account_lines(result: DemoResult, password: str) -> list[str]:
    lines = ["", f"demo accounts (password for people: {password}):"]
    lines += [f"  {role:<42}{value}" for role, value in result.accounts.items()]
    return lines
