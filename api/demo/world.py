"""What every scene works with: the stores, the moving clock, the seeded dice, the cast."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.participants.ports import PasswordHasher, SecretVault
from domain.unit_of_work import UnitOfWork

T = TypeVar("T")
CURRENCY = "CNY"


@dataclass(frozen=True)
class Member:
    """A participant of the demo: how it acts, and how a person signs in as it."""

    actor: Actor
    email: str
    name: str

    @property
    def id(self) -> UUID:
        return self.actor.require_participant()


@dataclass
class World:
    """The demo's shared state. Scenes keep their own cast in `cast` under their name."""

    sessions: async_sessionmaker[AsyncSession]
    clock: FixedClock
    rng: random.Random
    seed: int
    hasher: PasswordHasher
    vault: SecretVault
    password: str
    operator: Actor
    started: datetime
    cast: dict[str, object] = field(default_factory=dict)
    operations: int = 0  # use cases run (refused ones too): the demo's "simulated operations"
    refusals: Counter[str] = field(default_factory=Counter)  # by error code
    volume: Counter[str] = field(default_factory=Counter)  # minor units moved, by business line
    story: Counter[str] = field(default_factory=Counter)  # what happened, to tell at the end
    accounts: dict[str, str] = field(default_factory=dict)  # what the demo prints at the end
    _keys: int = 0

    def key(self, stem: str) -> str:
        """A fresh idempotency key, the same one for the same run of the same seed."""
        self._keys += 1
        return f"demo-{self.seed}-{stem}-{self._keys}"

    def email(self, stem: str) -> str:
        return f"{stem}.s{self.seed}@demo.agora.test"

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """One use case in its unit of work, as a resolver runs it."""
        self.operations += 1
        return await UnitOfWork(self.sessions).run(work)

    async def attempt(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
        """`run`, where a refusal is part of the story (a declined card, a sold-out tier):
        counted by its code, and None."""
        try:
            return await self.run(work)
        except DomainError as refusal:
            self.refusals[refusal.code] += 1
            return None

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        """Move the clock to `hour`:`minute` of simulated `day` (day 1 is the first)."""
        self.clock.set(self.started + timedelta(days=day - 1, hours=hour, minutes=minute))

    def amount(self, low: int, high: int, step: int = 100) -> int:
        """A round amount in minor units between `low` and `high`."""
        return self.rng.randrange(low // step, high // step + 1) * step
