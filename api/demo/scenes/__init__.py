"""The demo's scenes: each module here is one business line's part of the story.

A module defines `SCENE`, an object with a `name`, an `order` (scenes play in that order each
day: who lends before who trades notes), `setup(world)` (its cast and standing offers, played
once, two months before the first simulated day, so that loans have instalments falling due)
and `day(world, day)` (what happens on simulated day `day`). Adding a capability to the demo
is adding a module: insurance, wealth, supply chain and ads each bring theirs.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Protocol

from api.demo.world import World


class Scene(Protocol):
    name: str
    order: int

    async def setup(self, world: World) -> None: ...

    async def day(self, world: World, day: int) -> None: ...


def all_scenes() -> list[Scene]:
    """Every module's SCENE, in play order."""
    found: list[Scene] = []
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        scene = getattr(loaded, "SCENE", None)
        if scene is not None:
            found.append(scene)
    return sorted(found, key=lambda scene: (scene.order, scene.name))
