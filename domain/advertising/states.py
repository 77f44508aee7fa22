"""A placement's states and the moves between them, as a table (pure).

ACTIVE: shown and charged. It ends EXHAUSTED (its budget spent), ENDED (its end passed) or
CANCELLED (its advertiser stopped it); each end is final and returns what was not spent.
"""

from __future__ import annotations

from enum import Enum

from domain.errors import DomainError


class PlacementState(Enum):
    ACTIVE = "ACTIVE"
    EXHAUSTED = "EXHAUSTED"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


class PlacementNotActive(DomainError):
    code = "PLACEMENT_NOT_ACTIVE"


TRANSITIONS: dict[PlacementState, frozenset[PlacementState]] = {
    PlacementState.ACTIVE: frozenset(
        {PlacementState.EXHAUSTED, PlacementState.ENDED, PlacementState.CANCELLED}
    ),
    PlacementState.EXHAUSTED: frozenset(),
    PlacementState.ENDED: frozenset(),
    PlacementState.CANCELLED: frozenset(),
}


def next_state(current: PlacementState, wanted: PlacementState) -> PlacementState:
    """`wanted`, if the table allows it from `current`; PlacementNotActive otherwise."""
    if wanted not in TRANSITIONS[current]:
        raise PlacementNotActive(f"the placement is {current.value.lower()}")
    return wanted
