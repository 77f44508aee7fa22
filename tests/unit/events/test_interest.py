"""Who may follow which events: the rule every subscription applies before it starts."""

from __future__ import annotations

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actors import Actor, ActorKind, Forbidden, Unauthenticated
from domain.errors import InvalidInput
from domain.events.catalog import EventType
from domain.events.interest import Interest, interest_of
from domain.events.scopes import EVENT_READ_SCOPES
from domain.participants.roles import Role, Scope

PERSON = Actor(ActorKind.PERSON, participant_id=uuid4(), roles=frozenset({Role.INVESTOR}))
OPERATOR = Actor(ActorKind.PERSON, participant_id=uuid4(), roles=frozenset({Role.OPERATOR}))


def api_key(*scopes: Scope) -> Actor:
    return Actor(
        ActorKind.API_KEY,
        participant_id=uuid4(),
        roles=frozenset({Role.MERCHANT}),
        scopes=frozenset(scopes),
        api_key_id=uuid4(),
    )


def test_a_person_follows_their_own_events_of_every_type() -> None:
    interest = interest_of(PERSON)

    assert interest.participant_id == PERSON.participant_id
    assert interest.types == {t.value for t in EventType}


def test_an_operator_follows_everyones() -> None:
    assert interest_of(OPERATOR, [EventType.WALLET_CHANGED]).participant_id is None


def test_anonymous_callers_are_refused() -> None:
    with pytest.raises(Unauthenticated):
        interest_of(Actor.anonymous())


def test_an_api_key_needs_events_read_and_the_types_read_scope() -> None:
    with pytest.raises(Forbidden):
        interest_of(api_key(Scope.WALLET_READ), [EventType.WALLET_CHANGED])
    with pytest.raises(Forbidden):
        interest_of(api_key(Scope.EVENTS_READ), [EventType.WALLET_CHANGED])
    allowed = interest_of(api_key(Scope.EVENTS_READ, Scope.WALLET_READ), [EventType.WALLET_CHANGED])
    assert allowed.types == {"wallet.changed"}


def test_all_types_for_an_api_key_means_all_it_may_read() -> None:
    interest = interest_of(api_key(Scope.EVENTS_READ, Scope.PAYMENTS_READ))

    assert interest.types == {"payments.payment_updated"}


def test_an_events_read_only_key_may_follow_nothing() -> None:
    for event_type in EventType:
        with pytest.raises(Forbidden):
            interest_of(api_key(Scope.EVENTS_READ), [event_type])
    with pytest.raises(Forbidden):
        interest_of(api_key(Scope.EVENTS_READ))


@pytest.mark.parametrize("event_type", list(EventType))
def test_each_event_type_needs_the_read_scope_of_its_subject(event_type: EventType) -> None:
    scope = EVENT_READ_SCOPES[event_type]
    others = set(Scope) - {scope}

    with pytest.raises(Forbidden, match=scope.value):
        interest_of(api_key(*others), [event_type])
    assert interest_of(api_key(Scope.EVENTS_READ, scope), [event_type]).types == {event_type.value}
    assert event_type.value in interest_of(PERSON, [event_type]).types


def test_every_event_type_has_its_read_scope() -> None:
    assert set(EVENT_READ_SCOPES) == set(EventType)
    assert EVENT_READ_SCOPES[EventType.MATCH_CREATED] is Scope.OFFERS_READ


def test_an_empty_list_of_types_is_a_mistake() -> None:
    with pytest.raises(InvalidInput) as refused:
        interest_of(PERSON, [])
    assert refused.value.field == "types"


@given(
    wanted=st.sets(st.sampled_from(EventType), min_size=1),
    event_type=st.sampled_from(EventType),
    others=st.lists(st.uuids(), max_size=3),
    included=st.booleans(),
)
def test_an_event_is_admitted_iff_its_type_is_wanted_and_it_concerns_the_subscriber(
    wanted: set[EventType], event_type: EventType, others: list, included: bool
) -> None:
    me = uuid4()
    audience = [*others, me] if included else others
    mine = Interest(me, frozenset(t.value for t in wanted))
    everyone = Interest(None, mine.types)

    assert mine.admits(event_type.value, audience) == (event_type in wanted and included)
    assert everyone.admits(event_type.value, audience) == (event_type in wanted)
