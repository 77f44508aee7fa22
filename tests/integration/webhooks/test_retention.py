"""The delivery log's retention: finished deliveries and their attempts go after the period;
pending ones, copies' originals and deliveries being redelivered stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from domain.actors import Actor, NotFound
from domain.clock import FixedClock
from domain.webhooks.services.log import redeliver
from domain.webhooks.services.retention import prune_delivery_log
from domain.webhooks.tables import WebhookDelivery
from support.webhooks import (
    Receiver,
    Sessions,
    attempts,
    deliver,
    deliveries,
    fan_out,
    make_participant,
    record,
    register_endpoint,
)

MONTH = timedelta(days=30)


async def attempt_count(sessions: Sessions) -> int:
    async with sessions() as session:
        query = text("SELECT count(*) FROM webhook_attempt")
        return int((await (await session.connection()).execute(query)).scalar_one())


async def delivered(
    sessions: Sessions, clock: FixedClock, receiver: Receiver, events: int
) -> tuple[Actor, list[WebhookDelivery]]:
    """A merchant's endpoint sent `events` events, all answered 200 now."""
    owner = await make_participant(sessions, clock.now())
    await register_endpoint(sessions, clock, owner, receiver.url)
    for _ in range(events):
        await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    assert await deliver(sessions, clock) == events
    return owner, await deliveries(sessions)


async def test_finished_deliveries_go_with_their_attempts_after_the_period(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner, _ = await delivered(sessions, clock, receiver, 3)
    clock.advance(timedelta(days=20))
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    assert await deliver(sessions, clock) == 1
    [recent] = [d for d in await deliveries(sessions) if d.completed_at == clock.now()]
    clock.advance(timedelta(days=11))

    assert await prune_delivery_log(sessions, clock, keep=MONTH, batch=2) == 3
    assert [d.id for d in await deliveries(sessions)] == [recent.id]
    assert await attempt_count(sessions) == len(await attempts(sessions, recent.id)) == 1
    assert await prune_delivery_log(sessions, clock, keep=MONTH) == 0


async def test_pending_deliveries_stay_whatever_their_age(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner = await make_participant(sessions, clock.now())
    await register_endpoint(sessions, clock, owner, receiver.url)
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)  # owed, never attempted
    clock.advance(timedelta(days=365))

    assert await prune_delivery_log(sessions, clock, keep=timedelta(0)) == 0
    [pending] = await deliveries(sessions)
    assert pending.status == "PENDING"


async def test_an_original_goes_only_after_its_copies(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner, [first, second] = await delivered(sessions, clock, receiver, 2)
    async with sessions() as session:
        await redeliver(session=session, clock=clock, actor=owner, delivery_id=first.id)
        await session.commit()
    assert await deliver(sessions, clock) == 1
    clock.advance(MONTH + timedelta(days=1))
    async with sessions() as session:  # a copy of the second, still owed when pruning runs
        copy = await redeliver(session=session, clock=clock, actor=owner, delivery_id=second.id)
        await session.commit()

    assert await prune_delivery_log(sessions, clock, keep=MONTH) == 2  # first's copy, then first
    assert {d.id for d in await deliveries(sessions)} == {second.id, copy.delivery.id}


async def test_a_delivery_being_redelivered_is_skipped_and_a_pruned_one_is_not_found(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner, [kept, pruned] = await delivered(sessions, clock, receiver, 2)
    clock.advance(MONTH + timedelta(days=1))

    async with sessions() as session:
        await redeliver(session=session, clock=clock, actor=owner, delivery_id=kept.id)
        # Pruning runs while the redelivery's transaction holds the original.
        assert await prune_delivery_log(sessions, clock, keep=MONTH) == 1
        await session.commit()

    assert {d.redelivery_of or d.id for d in await deliveries(sessions)} == {kept.id}
    async with sessions() as session:
        with pytest.raises(NotFound):
            await redeliver(session=session, clock=clock, actor=owner, delivery_id=pruned.id)
