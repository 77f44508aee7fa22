"""How a campaign's live pledges end at its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.crowdfunding.states import PledgeState


@dataclass(frozen=True, slots=True)
class LivePledge:
    id: UUID
    backer_id: UUID
    amount: int
    tip: int
    hold_id: UUID
    terms_version: int


@dataclass
class Settled:
    """How one pledge ends: its state, and at success what it paid and got."""

    pledge: LivePledge
    state: PledgeState
    captured: int = 0
    fee: int = 0
    shares: int | None = None
    note_id: UUID | None = None
