"""Insurance over the real server: an insurer publishes a product, a buyer buys a policy and
claims, the insurer approves; the buyer hears policyUpdated and claimUpdated over WebSocket,
and the ledger verifies."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from gql import gql as document

from support.cli import agora_here
from support.graphql import gql, log_in, signed_in
from support.server import ServerProcess, server_env
from support.stores import StoreUrls
from support.subscribers import Subscriber, deposit, received, sign_up_operator, ws_session

GRANT = """mutation($id: ID!) { grantRole(participantId: $id, role: INSURER) {
  errors { code } } }"""
PUBLISH = """mutation P($input: InsuranceProductInput!) { publishInsuranceProduct(input: $input) {
  product { id } errors { code field message } } }"""
BUY = """mutation B($input: BuyPolicyInput!, $key: String!) {
  buyPolicy(input: $input, idempotencyKey: $key) {
    policy { id state premium { amount } commission { amount } } errors { code } } }"""
FILE = """mutation F($input: FileClaimInput!, $key: String!) {
  fileClaim(input: $input, idempotencyKey: $key) { claim { id state } errors { code } } }"""
DECIDE = """mutation D($input: DecideClaimInput!, $key: String!) {
  decideClaim(input: $input, idempotencyKey: $key) {
    claim { state paid { amount } } policy { claimed { amount } } errors { code } } }"""
POLICY_UPDATED = document(
    'subscription { policyUpdated(after: "0") { policyId change state premium { amount } } }'
)
CLAIM_UPDATED = document(
    'subscription { claimUpdated(after: "0") { claimId change state paid { amount } } }'
)
SCREEN = {
    "code": "SCREEN",
    "name": "Screen cover",
    "kind": "PURCHASE_PROTECTION",
    "currency": "CNY",
    "premium": {"basis": "FIXED", "amount": "5.00"},
    "termDays": 30,
    "commissionBasisPoints": 1000,
}


async def _insurer(server: ServerProcess, stores: StoreUrls, client: httpx.AsyncClient) -> str:
    operator = await sign_up_operator(server, stores)
    company = await signed_in(client, roles=["INVESTOR"], kind="BUSINESS")
    granted = await gql(client, GRANT, {"id": company.id}, token=operator.token)
    assert granted["data"]["grantRole"]["errors"] == [], granted
    return str((await log_in(client, company.email))["accessToken"])


async def test_a_policy_bought_claimed_and_paid_is_heard_over_websocket(
    server: ServerProcess, stores: StoreUrls
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        insurer = await _insurer(server, stores, client)
        published = await gql(client, PUBLISH, {"input": SCREEN}, token=insurer)
        product = published["data"]["publishInsuranceProduct"]["product"]["id"]
        buyer = Subscriber(await signed_in(client, roles=["INVESTOR"]))
        await deposit(server, buyer, "100.00")

        async with ws_session(server, buyer) as ws:
            policies = asyncio.create_task(received(ws, POLICY_UPDATED, 1, within=30))
            claims = asyncio.create_task(received(ws, CLAIM_UPDATED, 3, within=30))
            await asyncio.sleep(0.5)  # the subscriptions are registered
            bought = await gql(
                client,
                BUY,
                {
                    "input": {"productId": product, "insuredAmount": "300.00", "currency": "CNY"},
                    "key": "e2e-buy",
                },
                token=buyer.token,
            )
            policy = bought["data"]["buyPolicy"]["policy"]
            loss = {"policyId": policy["id"], "loss": "3.00", "currency": "CNY"}
            filed = await gql(client, FILE, {"input": loss, "key": "e2e-claim"}, token=buyer.token)
            claim = filed["data"]["fileClaim"]["claim"]
            decision = {"claimId": claim["id"], "decision": "APPROVE"}
            decided = await gql(
                client, DECIDE, {"input": decision, "key": "e2e-decide"}, token=insurer
            )
            heard_policies: list[dict[str, Any]] = await policies
            heard_claims: list[dict[str, Any]] = await claims

    assert (policy["state"], policy["premium"], policy["commission"]) == (
        "ACTIVE",
        {"amount": "5.00"},
        {"amount": "0.50"},
    )
    assert claim["state"] == "OPEN"
    assert decided["data"]["decideClaim"] == {
        "claim": {"state": "PAID", "paid": {"amount": "3.00"}},
        "policy": {"claimed": {"amount": "3.00"}},
        "errors": [],
    }
    assert [(e["change"], e["state"]) for e in heard_policies] == [("ISSUED", "ACTIVE")]
    assert [(e["change"], e["state"], e["paid"]["amount"]) for e in heard_claims] == [
        ("OPENED", "OPEN", "0.00"),
        ("DECIDED", "APPROVED", "0.00"),
        ("PAID", "PAID", "3.00"),
    ]
    verified = await asyncio.to_thread(agora_here, "ledger", "verify", env=server_env(stores))
    assert verified.returncode == 0, verified.stdout + verified.stderr
