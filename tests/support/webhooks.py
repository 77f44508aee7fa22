"""Webhook tests' world: a real HTTP receiver on loopback, endpoints, events and the jobs.

The receiver is a Starlette app under uvicorn in a thread of its own (its own event loop), so
a slow answer it is told to give never blocks the test's loop, which runs the worker jobs.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import uvicorn
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.database_urls import asyncpg_connect_args
from api.events.outbox_queries import mark_published, number_next_batch
from api.security.vault import AesGcmVault
from api.webhooks.sender import HttpWebhookSender
from domain.actors import Actor, ActorKind
from domain.clock import Clock
from domain.events.catalog import EventType
from domain.events.services.outbox import record_event
from domain.participants.roles import Role
from domain.participants.tables import Participant
from domain.webhooks.services.delivery import DeliveryPolicy, deliver_due_webhooks
from domain.webhooks.services.endpoints import EndpointWithSecret, create_endpoint
from domain.webhooks.services.fan_out import fan_out_events
from domain.webhooks.tables import WebhookAttempt, WebhookDelivery
from domain.webhooks.urls import EndpointUrlPolicy

Sessions = async_sessionmaker[AsyncSession]
LOOPBACK = EndpointUrlPolicy(allow_http_to_loopback=True, allow_private_addresses=True)
VAULT = AesGcmVault(os.urandom(32))


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    query: str  # tells endpoints sharing the receiver apart


@dataclass(frozen=True)
class Answer:
    status: int = 200
    delay: float = 0.0  # seconds before answering (longer than the sender's timeout: a timeout)
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # default: "answer <status>"


class Receiver:
    """Records every POST; answers with the scripted answers in order, then 200."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self.url = ""

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self._script.extend(answers)

    def always(self, status: int) -> None:
        """Answer `status` to everything from now on."""
        with self._lock:
            self._script = [Answer(status)] * 10_000

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.received.append(Received(dict(request.headers), body, request.url.query))
            answer = self._script.pop(0) if self._script else Answer()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        text = f"answer {answer.status}" if answer.body is None else answer.body
        return Response(text, answer.status, headers=answer.headers)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])


@contextmanager
def receiving_server() -> Iterator[Receiver]:
    receiver = Receiver()
    config = uvicorn.Config(
        receiver.app(),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the receiving server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def make_participant(sessions: Sessions, now: datetime, name: str = "merchant") -> Actor:
    """A merchant signed in (as a person): the owner of endpoints in these tests."""
    async with sessions() as session:
        row = Participant(
            kind="BUSINESS",
            display_name=name,
            password_hash="unused",
            roles=[Role.MERCHANT.value],
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.commit()
    return Actor(ActorKind.PERSON, participant_id=row.id, roles=frozenset({Role.MERCHANT}))


async def register_endpoint(
    sessions: Sessions,
    clock: Clock,
    owner: Actor,
    url: str,
    *,
    event_types: Sequence[EventType] = (),
) -> EndpointWithSecret:
    async with sessions() as session:
        created = await create_endpoint(
            session=session,
            clock=clock,
            actor=owner,
            vault=VAULT,
            url_policy=LOOPBACK,
            url=url,
            event_types=event_types,
        )
        await session.commit()
    return created


async def record(
    sessions: Sessions,
    clock: Clock,
    audience: Sequence[UUID | None],
    event_type: EventType = EventType.WALLET_CHANGED,
    payload: dict[str, Any] | None = None,
) -> None:
    async with sessions() as session:
        await record_event(
            session,
            event_type,
            aggregate_type="Wallet",
            aggregate_id="w-1",
            audience=[p for p in audience if p is not None],
            payload=payload or {"currency": "CNY", "available": 100},
            occurred_at=clock.now(),
        )
        await session.commit()


async def publish(sessions: Sessions) -> None:
    """Number every unpublished event and mark it published, with the relay's own queries
    (the relay's XADD to Redis is not what webhooks read: they follow the positions)."""
    engine = sessions.kw["bind"]
    conn = await asyncpg.connect(
        **asyncpg_connect_args(engine.url.render_as_string(hide_password=False))
    )
    try:
        while numbered := await number_next_batch(conn, 500):
            await mark_published(conn, [row["id"] for row in numbered])
    finally:
        await conn.close()


async def fan_out(sessions: Sessions, clock: Clock) -> int:
    await publish(sessions)
    return await fan_out_events(sessions, clock)


async def deliver(
    sessions: Sessions,
    clock: Clock,
    *,
    answer_within: float = 5.0,
    policy: DeliveryPolicy | None = None,
    url_policy: EndpointUrlPolicy = LOOPBACK,
) -> int:
    sender = HttpWebhookSender(url_policy, timeout=answer_within)
    try:
        return await deliver_due_webhooks(
            sessions, clock, vault=VAULT, sender=sender, policy=policy, jitter=lambda: 0.5
        )
    finally:
        await sender.aclose()


async def deliveries(sessions: Sessions) -> list[WebhookDelivery]:
    async with sessions() as session:
        query = select(WebhookDelivery).order_by(
            col(WebhookDelivery.event_position), col(WebhookDelivery.created_at)
        )
        return list((await session.exec(query)).all())


async def attempts(sessions: Sessions, delivery_id: UUID) -> list[WebhookAttempt]:
    async with sessions() as session:
        query = (
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id) == delivery_id)
            .order_by(col(WebhookAttempt.id))
        )
        return list((await session.exec(query)).all())
