"""`agora serve` on the embedded default is the whole platform: the worker's jobs run in it.

The app here is what `agora serve` builds (its lifespan running, nothing else beside it),
with the in-process worker on as the embedded default turns it on, on a clock the test moves
and with the jobs' periods shortened a hundredfold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import col, select

from api.app import create_app
from api.settings import Settings
from domain.clock import FixedClock, SystemClock
from domain.payments.tables import PaymentIntent, SettlementBatchRow
from support.graphql import Person, gql, signed_in
from support.security import Caller, create_key, create_person, key_of
from support.stores import StoreUrls, make_settings
from support.webhooks import receiving_server

T = TypeVar("T")

SEED = """mutation S($i: AdjustWalletInput!) { adjustWallet(input: $i, idempotencyKey: "seed") {
  errors { code } } }"""
HOOK = """mutation H($url: String!) {
  createWebhookEndpoint(input: {url: $url, eventTypes: [PAYMENT_UPDATED]}) {
    endpoint { id } errors { code message } } }"""
CREATE = """mutation C($i: CreatePaymentIntentInput!) { createPaymentIntent(input: $i,
  idempotencyKey: "order-1") { paymentIntent { id } errors { code message } } }"""
PAY = """mutation P($id: ID!) { payIntent(paymentId: $id, idempotencyKey: "pay-1") {
  paymentIntent { state } errors { code } } }"""
SHIP = """mutation S($id: ID!) { confirmShipment(paymentId: $id) { errors { code } } }"""


async def eventually(probe: Callable[[], Awaitable[T | None]], seconds: float = 20.0) -> T:
    """What `probe` answers once it answers something, polling until `seconds` have passed."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (found := await probe()) is None:
        assert asyncio.get_running_loop().time() < deadline, "the worker never did it"
        await asyncio.sleep(0.05)
    return found


async def _data(client: httpx.AsyncClient, query: str, token: str | None, **variables: Any) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload
    return payload


def test_the_worker_runs_in_process_on_the_embedded_default_only() -> None:
    embedded = Settings.model_validate({"database_url": None})
    assert embedded.runs_worker_in_process
    configured = Settings.model_validate({"database_url": "postgresql+asyncpg://db/agora"})
    assert not configured.runs_worker_in_process  # production: `agora worker` apart
    told_not_to = Settings.model_validate({"database_url": None, "in_process_worker": False})
    assert not told_not_to.runs_worker_in_process
    told_to = Settings.model_validate({"database_url": "postgresql://db/a", "in_process_worker": 1})
    assert told_to.runs_worker_in_process


async def test_escrow_settlement_and_webhooks_happen_with_the_api_alone(
    clean_stores: StoreUrls,
) -> None:
    # given the API alone, its worker in-process, on a clock the test moves
    clock = FixedClock(SystemClock().now())
    settings = make_settings(clean_stores, in_process_worker=True, rate_limits_enabled=False)
    app = create_app(settings, clock=clock, worker_cadence=0.01)
    with receiving_server() as receiver:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as c:
                # a merchant listening for its payments, and a shopper with money
                operator = await create_person(app, "Ops", roles=["OPERATOR"])
                merchant = await signed_in(c, roles=["MERCHANT"], kind="BUSINESS")
                shopper = await signed_in(c, roles=["INVESTOR"])
                _, key = await create_key(
                    c, _caller(merchant), ["PAYMENTS_READ", "PAYMENTS_WRITE"], name="till"
                )
                await _data(c, HOOK, merchant.access_token, url=receiver.url)
                seed = {"participantId": shopper.id, "amount": "500.00", "currency": "CNY"}
                await _data(c, SEED, operator.token, i={**seed, "reason": "the shopper's savings"})
                # when the shopper pays into escrow and the merchant ships
                order = {"amount": "300.00", "currency": "CNY", "orderReference": "SERVE-1"}
                created = await _data(c, CREATE, key, i=order)
                payment = created["paymentIntent"]["id"]
                await _data(c, PAY, shopper.access_token, id=payment)
                await _data(c, SHIP, key, id=payment)
                leading = await c.get("/metrics")
            sessions = app.state.stores.sessions

            async def released() -> str | None:
                async with sessions() as session:
                    row = await session.get(PaymentIntent, key_of(payment))
                    assert row is not None
                    await session.refresh(row)
                    return row.state if row.state == "RELEASED" else None

            async def batch() -> SettlementBatchRow | None:
                async with sessions() as session:
                    query = select(SettlementBatchRow).where(
                        col(SettlementBatchRow.merchant_id) == key_of(merchant.id)
                    )
                    return (await session.exec(query)).first()

            async def release_delivered() -> bool | None:
                bodies = [r.body for r in receiver.received]
                return True if any(b'"RELEASED"' in body for body in bodies) else None

            # then ten days after shipment the money is released, by nothing but the API
            clock.advance(timedelta(days=10, minutes=1))
            assert await eventually(released) == "RELEASED"
            # and the day after, the merchant is settled and paid out
            clock.advance(timedelta(days=1))
            settled = await eventually(batch)
            assert settled.gross == 30_000
            assert settled.payout == settled.net > 0
            # and the merchant's endpoint heard of the release
            assert await eventually(release_delivered)
    assert _gauge(leading.text, "agora_worker_leader") == 1.0


def _caller(person: Person) -> Caller:
    return Caller("merchant", person.access_token, person.id, person.email)


def _gauge(exposition: str, name: str) -> float:
    for family in text_string_to_metric_families(exposition):
        if family.name == name:
            return float(family.samples[0].value)
    raise AssertionError(f"{name} not exposed")
