"""Sign-ups: every day new people join and submit their identity documents; the operator
works through yesterday's submissions (verifying most, rejecting an unreadable one now and
then), so the KYC queue always holds the day's newcomers."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from api.demo.cast import decide_identity, member, submit_passport
from api.demo.world import World
from domain.participants.kyc import KycDecision
from domain.participants.roles import Role


@dataclass
class Cast:
    joined: int = 0
    waiting: list[UUID] = field(default_factory=list)  # submissions the operator has not seen


class SignUpsScene:
    name = "sign_ups"
    order = 5

    async def setup(self, world: World) -> None:
        world.cast[self.name] = Cast()

    async def day(self, world: World, day: int) -> None:
        cast = world.cast[self.name]
        assert isinstance(cast, Cast)
        world.at(day, 8, 30)
        for submission_id in cast.waiting:
            decision = KycDecision.VERIFY if world.rng.random() < 0.85 else KycDecision.REJECT
            await decide_identity(world, submission_id, decision)
            verdict = "verified" if decision is KycDecision.VERIFY else "rejected"
            world.story[f"identity documents {verdict} by the operator"] += 1
        cast.waiting.clear()
        world.at(day, 19)
        for _ in range(world.rng.randint(1, 3)):
            cast.joined += 1
            role = world.rng.choice((Role.BORROWER, Role.INVESTOR))
            newcomer = await member(
                world, f"newcomer{cast.joined}", f"Newcomer {cast.joined}", {role}, verified=False
            )
            cast.waiting.append(await submit_passport(world, newcomer))
            world.story["people signed up"] += 1


SCENE = SignUpsScene()
