"""Fan-out: each published event owed once to each endpoint that wants it, whatever runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from domain.clock import FixedClock
from domain.events.catalog import EventType
from domain.webhooks.services.endpoints import delete_endpoint, update_endpoint
from domain.webhooks.services.fan_out import fan_out_events
from support.webhooks import (
    LOOPBACK,
    Sessions,
    deliveries,
    fan_out,
    make_participant,
    publish,
    record,
    register_endpoint,
)

URL = "https://hooks.example.com/agora"


async def cursor(sessions: Sessions) -> int | None:
    async with sessions() as session:
        query = text("SELECT position FROM webhook_fan_out_cursor")
        return (await (await session.connection()).execute(query)).scalar()


async def test_an_endpoint_is_owed_its_owners_events_only(
    sessions: Sessions, clock: FixedClock
) -> None:
    alice = await make_participant(sessions, clock.now(), "alice")
    bob = await make_participant(sessions, clock.now(), "bob")
    carol = await make_participant(sessions, clock.now(), "carol")
    a = await register_endpoint(sessions, clock, alice, URL)
    b = await register_endpoint(sessions, clock, bob, URL)
    await record(sessions, clock, [alice.participant_id])
    await record(sessions, clock, [alice.participant_id, bob.participant_id])
    await record(sessions, clock, [carol.participant_id])  # carol has no endpoint

    assert await fan_out(sessions, clock) == 3

    owed = [(d.endpoint_id, d.event_position) for d in await deliveries(sessions)]
    first = min(position for _, position in owed)
    assert sorted(owed, key=lambda o: (o[1], str(o[0]))) == sorted(
        [(a.endpoint.id, first), (a.endpoint.id, first + 1), (b.endpoint.id, first + 1)],
        key=lambda o: (o[1], str(o[0])),
    )


async def test_each_event_is_fanned_out_once_and_the_cursor_moves_past_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await make_participant(sessions, clock.now())
    await register_endpoint(sessions, clock, owner, URL)
    await record(sessions, clock, [owner.participant_id])
    assert await fan_out(sessions, clock) == 1
    moved_to = await cursor(sessions)

    assert await fan_out(sessions, clock) == 0
    await record(sessions, clock, [owner.participant_id])
    assert await fan_out(sessions, clock) == 1

    assert moved_to is not None
    assert await cursor(sessions) == moved_to + 1
    assert len(await deliveries(sessions)) == 2


async def test_events_wait_until_the_relay_publishes_them(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await make_participant(sessions, clock.now())
    await register_endpoint(sessions, clock, owner, URL)
    await record(sessions, clock, [owner.participant_id])

    assert await fan_out_events(sessions, clock) == 0  # recorded, not yet published
    await publish(sessions)
    assert await fan_out_events(sessions, clock) == 1


async def test_disabled_deleted_and_younger_endpoints_are_owed_nothing(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await make_participant(sessions, clock.now())
    await record(sessions, clock, [owner.participant_id])  # before any endpoint existed
    clock.advance(timedelta(seconds=1))
    disabled = await register_endpoint(sessions, clock, owner, URL)
    deleted = await register_endpoint(sessions, clock, owner, URL)
    async with sessions() as session:
        await update_endpoint(
            session=session,
            clock=clock,
            actor=owner,
            url_policy=LOOPBACK,
            endpoint_id=disabled.endpoint.id,
            enabled=False,
        )
        await delete_endpoint(
            session=session, clock=clock, actor=owner, endpoint_id=deleted.endpoint.id
        )
        await session.commit()
    await record(sessions, clock, [owner.participant_id])

    assert await fan_out(sessions, clock) == 0
    assert await cursor(sessions) is not None  # the events were read all the same


async def test_type_filters_pick_the_events(sessions: Sessions, clock: FixedClock) -> None:
    owner = await make_participant(sessions, clock.now())
    wallet = await register_endpoint(
        sessions, clock, owner, URL, event_types=[EventType.WALLET_CHANGED]
    )
    everything = await register_endpoint(sessions, clock, owner, URL)
    await record(sessions, clock, [owner.participant_id], EventType.WALLET_CHANGED)
    await record(sessions, clock, [owner.participant_id], EventType.PAYMENT_UPDATED)

    await fan_out(sessions, clock)

    owed = sorted((str(d.endpoint_id), d.event_type) for d in await deliveries(sessions))
    assert owed == sorted(
        [
            (str(wallet.endpoint.id), "wallet.changed"),
            (str(everything.endpoint.id), "wallet.changed"),
            (str(everything.endpoint.id), "payments.payment_updated"),
        ]
    )


async def test_workers_fanning_out_together_owe_each_event_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    owners = [await make_participant(sessions, clock.now(), f"p{i}") for i in range(4)]
    for owner in owners:
        await register_endpoint(sessions, clock, owner, URL)
    for i in range(60):
        await record(sessions, clock, [owners[i % 4].participant_id])
    await publish(sessions)

    created = await asyncio.gather(*(fan_out_events(sessions, clock, limit=7) for _ in range(4)))
    created_later = await fan_out_events(sessions, clock, limit=7)

    assert sum(created) + created_later == 60
    owed = [(d.endpoint_id, d.event_id) for d in await deliveries(sessions)]
    assert len(owed) == len(set(owed)) == 60
