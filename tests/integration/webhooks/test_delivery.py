"""Delivering webhooks to a real HTTP server on loopback: signed, retried, logged, once."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from domain.actors import Actor
from domain.clock import FixedClock
from domain.events.catalog import EventType
from domain.webhooks.ports import SendResult
from domain.webhooks.retry_schedule import MAX_ATTEMPTS
from domain.webhooks.services.delivery import DeliveryPolicy, claim_due, record_outcome
from domain.webhooks.services.endpoints import EndpointWithSecret, rotate_secret, update_endpoint
from domain.webhooks.signature import BadSignature, MemorySeenIds, Replayed, verify
from domain.webhooks.tables import WebhookEndpoint
from domain.webhooks.urls import EndpointUrlPolicy
from support.webhooks import (
    LOOPBACK,
    VAULT,
    Answer,
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


async def one_event_owed(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> tuple[Actor, EndpointWithSecret]:
    """A merchant with an endpoint at the receiver, owed one wallet.changed event."""
    owner = await make_participant(sessions, clock.now())
    endpoint = await register_endpoint(sessions, clock, owner, receiver.url)
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    return owner, endpoint


async def test_an_event_arrives_signed_and_verifies_with_our_helper(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner = await make_participant(sessions, clock.now())
    endpoint = await register_endpoint(sessions, clock, owner, receiver.url)
    await record(sessions, clock, [owner.participant_id], payload={"currency": "CNY", "total": 7})

    assert await fan_out(sessions, clock) == 1
    assert await deliver(sessions, clock) == 1

    [got] = receiver.received
    message_id = verify(got.headers, got.body, [endpoint.secret], now=clock.now())
    body = json.loads(got.body)
    assert message_id == body["id"] == got.headers["webhook-id"]
    assert body["type"] == "wallet.changed"
    assert body["data"] == {"currency": "CNY", "total": 7}
    assert got.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert got.headers["content-type"] == "application/json"
    [delivery] = await deliveries(sessions)
    assert delivery.status == "SUCCEEDED"
    assert delivery.message_id == message_id
    [attempt] = await attempts(sessions, delivery.id)
    assert attempt.succeeded
    assert attempt.status_code == 200
    assert attempt.response_snippet == "answer 200"
    assert attempt.duration_ms >= 0


async def test_a_500_is_retried_after_the_backoff_with_the_same_id(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    _, endpoint = await one_event_owed(sessions, clock, receiver)
    receiver.answer(Answer(500))

    assert await deliver(sessions, clock) == 1
    [delivery] = await deliveries(sessions)
    assert delivery.status == "PENDING"
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=5)  # jitter 0.5: none
    assert await deliver(sessions, clock) == 0  # not due yet

    clock.advance(timedelta(seconds=5))
    assert await deliver(sessions, clock) == 1

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert int(second.headers["webhook-timestamp"]) == int(first.headers["webhook-timestamp"]) + 5
    verify(second.headers, second.body, [endpoint.secret], now=clock.now())
    [delivery] = await deliveries(sessions)
    assert (delivery.status, delivery.attempts) == ("SUCCEEDED", 2)
    logged = await attempts(sessions, delivery.id)
    assert [(a.number, a.status_code, a.succeeded) for a in logged] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert logged[0].response_snippet == "answer 500"


async def test_a_timeout_is_retried(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    await one_event_owed(sessions, clock, receiver)
    receiver.answer(Answer(200, delay=2.0))

    await deliver(sessions, clock, answer_within=0.3)
    [delivery] = await deliveries(sessions)
    [attempt] = await attempts(sessions, delivery.id)
    assert attempt.status_code is None
    assert attempt.error == "no answer within 0.3 s"
    assert 250 <= attempt.duration_ms < 2000
    assert delivery.status == "PENDING"

    clock.advance(timedelta(seconds=5))
    await deliver(sessions, clock, answer_within=0.3)
    [delivery] = await deliveries(sessions)
    assert (delivery.status, delivery.attempts) == ("SUCCEEDED", 2)


async def test_redirects_are_not_followed_and_count_as_failures(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    await one_event_owed(sessions, clock, receiver)
    receiver.answer(Answer(302, headers={"location": "http://169.254.169.254/"}))

    await deliver(sessions, clock)

    assert len(receiver.received) == 1
    [delivery] = await deliveries(sessions)
    assert (delivery.status, delivery.last_status_code) == ("PENDING", 302)


async def test_a_disabled_endpoint_receives_nothing(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:

    owner, endpoint = await one_event_owed(sessions, clock, receiver)

    async with sessions() as session:
        await update_endpoint(
            session=session,
            clock=clock,
            actor=owner,
            url_policy=LOOPBACK,
            endpoint_id=endpoint.endpoint.id,
            enabled=False,
        )
        await session.commit()
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    await deliver(sessions, clock)

    assert receiver.received == []
    [delivery] = await deliveries(sessions)  # none for the event after disabling
    assert delivery.status == "CANCELLED"
    assert delivery.last_error == "endpoint disabled by its owner"


async def test_an_endpoint_disabled_after_its_delivery_was_owed_is_skipped(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    await one_event_owed(sessions, clock, receiver)
    async with sessions() as session:  # as if switched off by a path that forgot the log
        await (await session.connection()).execute(
            text("UPDATE webhook_endpoint SET enabled = false")
        )
        await session.commit()

    assert await deliver(sessions, clock) == 0

    assert receiver.received == []
    [delivery] = await deliveries(sessions)
    assert delivery.status == "CANCELLED"


async def test_the_verifier_rejects_a_replay_of_a_delivery(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    _, endpoint = await one_event_owed(sessions, clock, receiver)
    await deliver(sessions, clock)
    [got] = receiver.received
    seen = MemorySeenIds()

    verify(got.headers, got.body, [endpoint.secret], now=clock.now(), seen=seen)
    with pytest.raises(Replayed):  # an eavesdropper sends the captured request again
        verify(got.headers, got.body, [endpoint.secret], now=clock.now(), seen=seen)


async def test_secret_rotation_signs_with_both_during_the_overlap_then_only_the_new(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:

    owner = await make_participant(sessions, clock.now())
    created = await register_endpoint(sessions, clock, owner, receiver.url)
    async with sessions() as session:
        rotated = await rotate_secret(
            session=session,
            clock=clock,
            actor=owner,
            vault=VAULT,
            endpoint_id=created.endpoint.id,
            overlap=timedelta(hours=24),
        )
        await session.commit()
    old, new = created.secret, rotated.secret

    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    await deliver(sessions, clock)
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split()) == 2
    verify(during.headers, during.body, [old], now=clock.now())  # a receiver not yet switched
    verify(during.headers, during.body, [new], now=clock.now())  # one already switched

    clock.advance(timedelta(hours=24, seconds=1))
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    await deliver(sessions, clock)
    after = receiver.received[-1]
    assert len(after.headers["webhook-signature"].split()) == 1
    verify(after.headers, after.body, [new], now=clock.now())
    with pytest.raises(BadSignature):
        verify(after.headers, after.body, [old], now=clock.now())


async def test_a_delivery_that_keeps_failing_is_marked_failed_after_about_a_day(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    await one_event_owed(sessions, clock, receiver)
    receiver.always(503)
    started = clock.now()

    for _ in range(MAX_ATTEMPTS):
        [delivery] = await deliveries(sessions)
        assert delivery.status == "PENDING"
        assert delivery.next_attempt_at is not None
        clock.set(delivery.next_attempt_at)
        assert await deliver(sessions, clock, policy=DeliveryPolicy(disable_after=None)) == 1

    [delivery] = await deliveries(sessions)
    assert (delivery.status, delivery.attempts) == ("FAILED", MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert timedelta(hours=24) < clock.now() - started < timedelta(hours=28)
    assert len(receiver.received) == MAX_ATTEMPTS
    clock.advance(timedelta(days=30))
    assert await deliver(sessions, clock) == 0


async def test_an_endpoint_failing_for_the_whole_period_is_switched_off(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner = await make_participant(sessions, clock.now())
    created = await register_endpoint(sessions, clock, owner, receiver.url)
    receiver.always(500)
    policy = DeliveryPolicy(disable_after=timedelta(hours=6))
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    await deliver(sessions, clock, policy=policy)  # fails: failing since now

    clock.advance(timedelta(hours=6))
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    await deliver(sessions, clock, policy=policy)  # both fail: six hours of nothing but failures

    async with sessions() as session:
        endpoint = await session.get(WebhookEndpoint, created.endpoint.id)
    assert endpoint is not None
    assert not endpoint.enabled
    assert endpoint.disabled_reason is not None
    assert endpoint.disabled_reason.startswith("every delivery failed since")
    assert {d.status for d in await deliveries(sessions)} == {"CANCELLED"}


async def test_one_success_resets_the_failing_streak(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner = await make_participant(sessions, clock.now())
    created = await register_endpoint(sessions, clock, owner, receiver.url)
    receiver.answer(Answer(500))
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)
    await deliver(sessions, clock)
    async with sessions() as session:
        failing = await session.get(WebhookEndpoint, created.endpoint.id)
    clock.advance(timedelta(seconds=5))
    await deliver(sessions, clock)

    async with sessions() as session:
        healthy = await session.get(WebhookEndpoint, created.endpoint.id)
    assert failing is not None
    assert healthy is not None
    assert failing.failing_since is not None
    assert healthy.failing_since is None
    assert healthy.enabled


async def test_several_workers_deliver_each_message_exactly_once(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owners = [await make_participant(sessions, clock.now(), f"m{i}") for i in range(3)]
    for i, owner in enumerate(owners):
        await register_endpoint(sessions, clock, owner, f"{receiver.url}?owner={i}")
    for i in range(20):
        audience = [owners[i % 3].participant_id, owners[(i + 1) % 3].participant_id]
        await record(sessions, clock, audience)
    assert await fan_out(sessions, clock) == 40
    policy = DeliveryPolicy(batch=3)

    done = await asyncio.gather(*(deliver(sessions, clock, policy=policy) for _ in range(4)))

    assert sum(done) == 40
    assert sum(1 for n in done if n) > 1  # the work was shared, not done by one worker
    received = [(r.query, r.headers["webhook-id"]) for r in receiver.received]
    assert len(received) == len(set(received)) == 40
    assert {d.status for d in await deliveries(sessions)} == {"SUCCEEDED"}
    assert {d.attempts for d in await deliveries(sessions)} == {1}


async def test_a_host_resolving_to_a_private_address_is_refused_at_delivery_time(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner = await make_participant(sessions, clock.now())
    # Registered where private targets are allowed; delivered by a worker where they are not,
    # as when DNS starts answering a private address after registration.
    await register_endpoint(sessions, clock, owner, receiver.url.replace("127.0.0.1", "localhost"))
    await record(sessions, clock, [owner.participant_id])
    await fan_out(sessions, clock)

    await deliver(sessions, clock, url_policy=EndpointUrlPolicy(allow_http_to_loopback=True))

    assert receiver.received == []
    [delivery] = await deliveries(sessions)
    [attempt] = await attempts(sessions, delivery.id)
    assert attempt.error == "refused: localhost resolves to a private or reserved address"
    assert delivery.status == "PENDING"


async def test_only_the_types_an_endpoint_chose_are_sent(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    owner = await make_participant(sessions, clock.now())
    await register_endpoint(
        sessions, clock, owner, receiver.url, event_types=[EventType.LOAN_FUNDED]
    )
    await record(sessions, clock, [owner.participant_id], EventType.WALLET_CHANGED)
    await record(sessions, clock, [owner.participant_id], EventType.LOAN_FUNDED)
    await fan_out(sessions, clock)
    await deliver(sessions, clock)

    assert [json.loads(r.body)["type"] for r in receiver.received] == ["lending.loan_funded"]


async def test_a_worker_that_dies_mid_post_is_replaced_when_its_lease_runs_out(
    sessions: Sessions, clock: FixedClock, receiver: Receiver
) -> None:
    await one_event_owed(sessions, clock, receiver)
    policy = DeliveryPolicy()
    async with sessions() as session:  # a worker claims the delivery, then dies
        claimed, taken = await claim_due(session, now=clock.now(), vault=VAULT, policy=policy)
        await session.commit()
    assert taken == 1

    assert await deliver(sessions, clock) == 0  # leased: nobody else touches it meanwhile
    clock.advance(policy.lease)
    assert await deliver(sessions, clock) == 1  # the lease ran out: another worker delivers
    async with sessions() as session:  # the first worker's late answer changes nothing
        await record_outcome(
            session,
            claimed[0],
            SendResult(500, 10),
            attempted_at=clock.now(),
            clock=clock,
            policy=policy,
            jitter=0.5,
        )
        await session.commit()

    [delivery] = await deliveries(sessions)
    assert (delivery.status, delivery.attempts) == ("SUCCEEDED", 1)
    assert len(receiver.received) == 1
    logged = await attempts(sessions, delivery.id)
    assert sorted((a.status_code, a.succeeded) for a in logged) == [(200, True), (500, False)]
