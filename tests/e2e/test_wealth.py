"""A money-market fund against a running `agora serve`, over HTTP and WebSocket: an operator
lists a fund run by an asset manager, an investor buys units and redeems beyond the day's
instant quota; the investor and the manager hear fundRedemptionUpdated live, PENDING, then
PAID when the worker's redemption job runs on the next business day; `agora ledger verify`
passes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from gql import Client
from gql import gql as document
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.worker import JOBS, run_job, worker_context
from domain.clock import FixedClock
from support.cli import agora_here
from support.graphql import PASSWORD, Person, gql, log_in, signed_in, unique_email
from support.server import ServerProcess, server_env
from support.stores import StoreUrls, make_settings

Q = {
    "grant": """mutation($id: ID!) { grantRole(participantId: $id, role: ASSET_MANAGER) {
        errors { code } } }""",
    "adjust": """mutation($i: AdjustWalletInput!, $k: String!) { adjustWallet(input: $i,
        idempotencyKey: $k) { errors { code } } }""",
    "create": """mutation($i: CreateFundInput!) { createFund(input: $i) {
        fund { id } errors { code field message } } }""",
    "buy": """mutation($i: SubscribeFundInput!, $k: String!) { subscribeFund(input: $i,
        idempotencyKey: $k) { holding { units { amount } } errors { code message } } }""",
    "sell": """mutation($i: RedeemFundInput!, $k: String!) { redeemFund(input: $i,
        idempotencyKey: $k) { redemption { id state dueOn } errors { code message } } }""",
    "wallet": 'query { wallet(currency: "CNY") { available { amount } } }',
}
REDEMPTIONS = """subscription { fundRedemptionUpdated(after: "0") {
    redemptionId state instant { amount } pending { amount } dueOn } }"""


async def ok(client: httpx.AsyncClient, name: str, variables: Any, token: str) -> Any:
    body = await gql(client, Q[name], variables, token=token)
    [payload] = body["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), body
    return payload


async def heard(server: ServerProcess, token: str, count: int) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(
        url=server.ws_url, init_payload={"authorization": f"Bearer {token}"}
    )
    received: list[dict[str, Any]] = []
    async with Client(transport=transport) as ws:
        async for event in ws.subscribe(document(REDEMPTIONS)):
            received.append(event["fundRedemptionUpdated"])
            if len(received) == count:
                return received
    raise AssertionError(f"the subscription ended after {len(received)} of {count} events")


async def pay_redemptions(stores: StoreUrls, on: date) -> None:
    """The worker's redemption job once, as `agora worker` runs it, on `on`."""
    clock = FixedClock(datetime.combine(on, time(9), tzinfo=UTC))
    [job] = [job for job in JOBS if job.name == "fund-redemptions"]
    engine = create_async_engine(stores.database_url)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        async with worker_context(make_settings(stores), sessions, clock) as context:
            assert await run_job(job, context) >= 1
    finally:
        await engine.dispose()


async def test_a_redemption_beyond_the_quota_is_heard_pending_then_paid(
    server: ServerProcess, stores: StoreUrls
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        email = unique_email("mmf-operator")
        env = {**server_env(stores), "AGORA_OPERATOR_PASSWORD": PASSWORD}
        made = await asyncio.to_thread(agora_here, "create-operator", "--email", email, env=env)
        assert made.returncode == 0, made.stderr
        operator = (await log_in(client, email))["accessToken"]
        manager: Person = await signed_in(client, roles=["INVESTOR"], kind="BUSINESS")
        await ok(client, "grant", {"id": manager.id}, operator)
        investor = await signed_in(client, roles=["INVESTOR"])
        seed = {"participantId": investor.id, "amount": "30000.00", "currency": "CNY",
                "reason": "seed funds for the fund"}  # fmt: skip
        await ok(client, "adjust", {"i": seed, "k": f"mmf-seed-{investor.id}"}, operator)
        terms = {"name": "E2E Cash", "managerId": manager.id, "managementFeeRate": "0.003"}
        fund = (await ok(client, "create", {"i": terms}, operator))["fund"]["id"]

        investor_hears = asyncio.create_task(heard(server, investor.access_token, 2))
        manager_hears = asyncio.create_task(heard(server, manager.access_token, 2))
        await asyncio.sleep(0.5)  # both subscribed before the first event
        buy = {"fundId": fund, "amount": "20000.00", "currency": "CNY"}
        bought = await ok(client, "buy", {"i": buy, "k": "e2e-buy"}, investor.access_token)
        assert bought["holding"]["units"] == {"amount": "20000.00"}
        sell = {"fundId": fund, "amount": "12000.00", "currency": "CNY", "speed": "INSTANT"}
        sold = (await ok(client, "sell", {"i": sell, "k": "e2e-sell"}, investor.access_token))[
            "redemption"
        ]
        assert sold["state"] == "PENDING"
        wallet = await ok(client, "wallet", None, investor.access_token)
        assert wallet["available"] == {"amount": "20000.00"}  # 10,000 left + 10,000 at once

        await pay_redemptions(stores, date.fromisoformat(sold["dueOn"]))

        for heard_by in await asyncio.wait_for(
            asyncio.gather(investor_hears, manager_hears), timeout=30
        ):
            assert [(e["state"], e["instant"], e["pending"]) for e in heard_by] == [
                ("PENDING", {"amount": "10000.00"}, {"amount": "2000.00"}),
                ("PAID", {"amount": "10000.00"}, {"amount": "2000.00"}),
            ]
        wallet = await ok(client, "wallet", None, investor.access_token)
        assert wallet["available"] == {"amount": "22000.00"}
        verified = await asyncio.to_thread(agora_here, "ledger", "verify", env=server_env(stores))
        assert verified.returncode == 0, verified.stdout + verified.stderr
