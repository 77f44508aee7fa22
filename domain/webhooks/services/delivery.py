"""The delivery job: POST what is due, signed, and record the answer; retry or give up.

Any number of workers: each claims a batch of due deliveries with FOR UPDATE SKIP LOCKED and
leases them (pushes next_attempt_at past the time a POST can take) with a claim token, then
commits before sending, so no transaction stays open across the network. Only the holder of
the token records the outcome; should a worker die mid-POST, the lease runs out and another
worker tries again (receivers dedupe by webhook-id: at least once, normally exactly once).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.participants.ports import SecretVault
from domain.unit_of_work import transaction
from domain.webhooks.deliveries import DeliveryStatus
from domain.webhooks.ports import SendResult, WebhookSender
from domain.webhooks.retry_schedule import next_attempt_at, should_disable, succeeded
from domain.webhooks.services.endpoints import disable_endpoint
from domain.webhooks.signature import signed_headers
from domain.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint

ENDPOINTS = WebhookEndpoint.__table__  # type: ignore[attr-defined]
DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]
USER_AGENT = "Agora-Webhooks/1"

CLAIM_DUE = text(
    """
    WITH due AS (
        SELECT id FROM webhook_delivery
        WHERE status = 'PENDING' AND next_attempt_at <= :now
        ORDER BY next_attempt_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_delivery d SET next_attempt_at = :lease_until, claim_token = :token
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.endpoint_id, d.message_id, d.body, d.attempts
    """
)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    batch: int = 20  # POSTs in flight per worker
    lease: timedelta = timedelta(seconds=60)  # longer than any POST may take
    disable_after: timedelta | None = timedelta(days=5)  # of nothing but failures
    max_batches: int = 50  # per run, so a backlog does not starve the other jobs


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: UUID
    token: UUID
    endpoint_id: UUID
    url: str
    secrets: tuple[str, ...]
    message_id: str
    body: bytes


def _live_secrets(vault: SecretVault, endpoint: Any, now: datetime) -> tuple[str, ...]:
    secrets = [vault.open(endpoint.secret_sealed)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed is not None and expires is not None and expires > now:
        secrets.append(vault.open(endpoint.previous_secret_sealed))
    return tuple(secrets)


async def claim_due(
    session: AsyncSession, *, now: datetime, vault: SecretVault, policy: DeliveryPolicy
) -> tuple[list[Claimed], int]:
    """Lease up to `policy.batch` due deliveries: those to send, and how many were taken
    (those of endpoints disabled meanwhile are cancelled instead)."""
    conn = await session.connection()
    token = uuid4()
    params = {"now": now, "limit": policy.batch, "lease_until": now + policy.lease, "token": token}
    due = (await conn.execute(CLAIM_DUE, params)).all()
    if not due:
        return [], 0
    endpoint_ids = {row.endpoint_id for row in due}
    endpoints = {
        e.id: e
        for e in (await conn.execute(select(ENDPOINTS).where(ENDPOINTS.c.id.in_(endpoint_ids))))
    }
    live = {i for i, e in endpoints.items() if e.enabled and e.deleted_at is None}
    stale = [row.id for row in due if row.endpoint_id not in live]
    if stale:
        await conn.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id.in_(stale))
            .values(
                status=DeliveryStatus.CANCELLED.value,
                next_attempt_at=None,
                claim_token=None,
                completed_at=now,
                last_error="endpoint disabled",
            )
        )
    ready = [
        Claimed(
            delivery_id=row.id,
            token=token,
            endpoint_id=row.endpoint_id,
            url=endpoints[row.endpoint_id].url,
            secrets=_live_secrets(vault, endpoints[row.endpoint_id], now),
            message_id=row.message_id,
            body=row.body.encode(),
        )
        for row in due
        if row.endpoint_id in live
    ]
    return ready, len(due)


async def send(claimed: Claimed, *, clock: Clock, sender: WebhookSender) -> SendResult:
    """One signed POST; the timestamp is this attempt's, as Standard Webhooks asks."""
    headers = signed_headers(
        claimed.secrets,
        message_id=claimed.message_id,
        timestamp=int(clock.now().timestamp()),
        body=claimed.body,
    )
    headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
    return await sender.post(claimed.url, headers=headers, body=claimed.body)


async def record_outcome(
    session: AsyncSession,
    claimed: Claimed,
    result: SendResult,
    *,
    attempted_at: datetime,
    clock: Clock,
    policy: DeliveryPolicy,
    jitter: float,
) -> None:
    """Log the attempt; then, if this worker still holds the claim, settle or reschedule."""
    now = clock.now()
    ok = succeeded(result.status_code)
    # The endpoint before the delivery: the lock order of every change to an endpoint.
    await _track_endpoint_health(session, claimed.endpoint_id, ok=ok, now=now, policy=policy)
    delivery = await session.get(WebhookDelivery, claimed.delivery_id, with_for_update=True)
    if delivery is None:
        return
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts + 1,
            attempted_at=attempted_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=result.error[:200] if result.error else None,
            response_snippet=result.response_snippet[:500],
            succeeded=ok,
        )
    )
    if delivery.claim_token != claimed.token or delivery.status != DeliveryStatus.PENDING.value:
        return  # cancelled meanwhile, or our lease ran out and another worker took over
    delivery.attempts += 1
    delivery.claim_token = None
    delivery.last_status_code = result.status_code
    delivery.last_error = None if ok else (result.error or f"HTTP {result.status_code}")[:200]
    retry_at = None if ok else next_attempt_at(delivery.attempts, now, jitter)
    delivery.next_attempt_at = retry_at
    if retry_at is None:
        delivery.status = (DeliveryStatus.SUCCEEDED if ok else DeliveryStatus.FAILED).value
        delivery.completed_at = now


async def _track_endpoint_health(
    session: AsyncSession, endpoint_id: UUID, *, ok: bool, now: datetime, policy: DeliveryPolicy
) -> None:
    """Note since when an endpoint fails; switch it off once that has lasted too long."""
    conn = await session.connection()
    if ok:
        await conn.execute(
            update(ENDPOINTS)
            .where(ENDPOINTS.c.id == endpoint_id, ENDPOINTS.c.failing_since.is_not(None))
            .values(failing_since=None)
        )
        return
    await conn.execute(
        update(ENDPOINTS)
        .where(ENDPOINTS.c.id == endpoint_id, ENDPOINTS.c.failing_since.is_(None))
        .values(failing_since=now)
    )
    if policy.disable_after is None:
        return
    endpoint = await session.get(
        WebhookEndpoint, endpoint_id, with_for_update=True, populate_existing=True
    )
    if (
        endpoint is not None
        and endpoint.enabled
        and endpoint.failing_since is not None
        and should_disable(endpoint.failing_since, now, policy.disable_after)
    ):
        since = f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
        await disable_endpoint(
            session, endpoint, now=now, reason=f"every delivery failed since {since}"
        )


def _lock_order(claimed: Claimed) -> tuple[str, str]:
    return str(claimed.endpoint_id), str(claimed.delivery_id)


async def deliver_due_webhooks(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    vault: SecretVault,
    sender: WebhookSender,
    policy: DeliveryPolicy | None = None,
    jitter: Callable[[], float] = random.random,
) -> int:
    """The worker job: attempt every due delivery (a batch at a time); attempts made."""
    policy = policy or DeliveryPolicy()
    attempted = 0
    for _ in range(policy.max_batches):
        async with transaction(sessions) as session:
            claimed, taken = await claim_due(session, now=clock.now(), vault=vault, policy=policy)
        if not taken:
            break
        attempted_at = clock.now()
        results = await asyncio.gather(*(send(c, clock=clock, sender=sender) for c in claimed))
        # One transaction for the batch's outcomes (one commit, not one per delivery), taken
        # in endpoint order so that workers recording together always lock in the same order.
        outcomes = sorted(zip(claimed, results, strict=True), key=lambda o: _lock_order(o[0]))
        async with transaction(sessions) as session:
            for one, result in outcomes:
                await record_outcome(
                    session,
                    one,
                    result,
                    attempted_at=attempted_at,
                    clock=clock,
                    policy=policy,
                    jitter=jitter(),
                )
        attempted += len(claimed)
    return attempted
