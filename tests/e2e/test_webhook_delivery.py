"""A webhook end to end: registered over HTTP on `agora serve`, delivered by `agora worker`."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from domain.clock import SystemClock
from domain.webhooks.signature import verify
from support.graphql import gql, signed_in
from support.server import ServerProcess, run_agora
from support.stores import StoreUrls
from support.webhooks import receiving_server

CREATE = """mutation C($url: String!) {
  createWebhookEndpoint(input: {url: $url, eventTypes: [WALLET_CHANGED]}) {
    endpoint { id } secret errors { code message } } }"""
DEPOSIT = """mutation {
  deposit(input: {amount: "25.00", currency: "CNY"}, idempotencyKey: "e2e-webhook") {
    status errors { code } } }"""


async def test_a_deposit_reaches_the_merchants_endpoint_signed(
    server: ServerProcess, stores: StoreUrls
) -> None:
    with receiving_server() as receiver:
        async with httpx.AsyncClient(base_url=server.url) as client:
            merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
            answer = await gql(client, CREATE, {"url": receiver.url}, token=merchant.access_token)
            created = answer["data"]["createWebhookEndpoint"]
            assert created["errors"] == []
            deposited = await gql(client, DEPOSIT, token=merchant.access_token)
            assert deposited["data"]["deposit"]["errors"] == []

        # The server's relay numbers the event within a second; the worker does the rest.
        env = {"AGORA_ENV": "test", "DATABASE_URL": stores.database_url}
        deadline = time.monotonic() + 30
        while not receiver.received and time.monotonic() < deadline:
            result = await asyncio.to_thread(run_agora, "worker", "--once", env=env)
            assert result.returncode == 0, result.stderr

        [got] = receiver.received
        verify(got.headers, got.body, [created["secret"]], now=SystemClock().now())
        body = json.loads(got.body)
        assert body["type"] == "wallet.changed"
        assert body["data"]["currency"] == "CNY"
        assert body["data"]["reason"] == "DEPOSIT"
