"""Who may follow which events: a subscriber sees what concerns it; operators see everything.

An event's audience lists the participants it concerns; a subscriber whose participant is not
in it never receives it. Machine clients (API keys) need `events:read`, and for each event
type the read scope of its subject as well (domain/events/scopes.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.actors import Actor, Forbidden
from domain.errors import InvalidInput
from domain.events.catalog import EventType
from domain.events.scopes import receivable_types, require_receivable
from domain.participants.roles import Scope


@dataclass(frozen=True, slots=True)
class Interest:
    """What one subscriber receives: these event types, of its own participant or of all."""

    participant_id: UUID | None  # None: an operator, who sees every participant's events
    types: frozenset[str]  # EventType values

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(EventType(value).topic for value in self.types)

    def admits(self, event_type: str, audience: Collection[UUID]) -> bool:
        return event_type in self.types and (
            self.participant_id is None or self.participant_id in audience
        )


def interest_of(actor: Actor, types: Iterable[EventType] | None = None) -> Interest:
    """What `actor` may follow of `types`; all it may read when `types` is None.

    Anonymous callers are refused (Unauthenticated), and so is an API key without
    `events:read` or without the read scope of a type it names (Forbidden).
    """
    participant = actor.require_participant()
    actor.require_scope(Scope.EVENTS_READ)
    if types is None:
        wanted = receivable_types(actor)
        if not wanted:
            raise Forbidden("this API key lacks the read scope of every event type")
    else:
        wanted = frozenset(types)
        if not wanted:
            raise InvalidInput("name at least one event type, or leave types out", field="types")
        require_receivable(actor, wanted)
    return Interest(
        participant_id=None if actor.is_operator else participant,
        types=frozenset(t.value for t in wanted),
    )
