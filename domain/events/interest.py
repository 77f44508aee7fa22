"""Who may follow which events: a subscriber sees what concerns it; operators see everything.

An event's audience lists the participants it concerns; a subscriber whose participant is not
in it never receives it. Machine clients (API keys) need `events:read`, and for topics that
expose a kind of data their key may otherwise not read, that data's read scope as well.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.actors import Actor, ActorKind
from domain.errors import InvalidInput
from domain.events.catalog import EventType
from domain.participants.roles import Scope

# A wallet.changed event carries balances: a key that may not read wallets may not follow them.
TOPIC_SCOPES: dict[str, Scope] = {"wallet": Scope.WALLET_READ, "payments": Scope.PAYMENTS_READ}


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
    `events:read` or without the read scope of a topic it names (Forbidden).
    """
    participant = actor.require_participant()
    actor.require_scope(Scope.EVENTS_READ)
    if types is None:
        wanted = frozenset(t for t in EventType if _may_read(actor, t.topic))
    else:
        wanted = frozenset(types)
        if not wanted:
            raise InvalidInput("name at least one event type, or leave types out", field="types")
        for topic in sorted({t.topic for t in wanted}):
            if topic in TOPIC_SCOPES:
                actor.require_scope(TOPIC_SCOPES[topic])
    return Interest(
        participant_id=None if actor.is_operator else participant,
        types=frozenset(t.value for t in wanted),
    )


def _may_read(actor: Actor, topic: str) -> bool:
    scope = TOPIC_SCOPES.get(topic)
    return actor.kind is not ActorKind.API_KEY or scope is None or scope in actor.scopes
