"""BNPL funded by a partner bank, end to end against a running `agora serve`: the bank's key
posts an offer, a verified shopper graded by the risk engine pays a merchant's intent in
installments, the bank hears `matchCreated` on its WebSocket subscription and sees the
purchase in `fundedPurchases`; the shopper repays, the bank gets its principal and interest,
and `agora ledger verify` passes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
from gql import gql as parse

from support.cli import agora_here
from support.factories import make_operator
from support.graphql import gql, log_in, signed_in
from support.security import key_of, unique_resident_id
from support.server import ServerProcess, server_env
from support.stores import StoreUrls
from support.subscribers import Subscriber, published_high_water, received, ws_session

Q = {
    "kyc": "mutation($i: SubmitKycInput!) { submitKyc(input: $i) { submission { id } } }",
    "decide": "mutation($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }",
    "grant": """mutation($id: ID!) { grantRole(participantId: $id, role: PARTNER_BANK) {
        errors { code } } }""",
    "bank_key": """mutation { createApiKey(input: {name: "bnpl", scopes: [OFFERS_READ,
        OFFERS_WRITE]}) { secret errors { code } } }""",
    "shop_key": """mutation { createApiKey(input: {name: "till", scopes: [PAYMENTS_READ,
        PAYMENTS_WRITE]}) { secret errors { code } } }""",
    "offer": """mutation($i: FundingOfferInput!) { createFundingOffer(input: $i,
        idempotencyKey: "bnpl-e2e-offer") { offer { id } errors { code field message } } }""",
    "intent": """mutation($i: CreatePaymentIntentInput!) { createPaymentIntent(input: $i,
        idempotencyKey: "bnpl-e2e") { paymentIntent { id } errors { code message } } }""",
    "buy": """mutation($id: ID!) { payInInstallments(paymentId: $id, installments: 3,
        idempotencyKey: "bnpl-e2e") { plan { id outstanding { amount } }
        paymentIntent { state } errors { code message } } }""",
    "credit": """mutation { decideBnplCredit(input: {currency: "CNY",
        declaredMonthlyIncome: "4000.00"}) { decision { status grade scorecardVersion }
        creditLine { limit { amount } } errors { code message } } }""",
    "adjust": """mutation($i: AdjustWalletInput!) { adjustWallet(input: $i,
        idempotencyKey: "bnpl-e2e-seed") { errors { code } } }""",
    "repay": """mutation($id: ID!, $amount: String!) { repayInstallments(planId: $id,
        amount: $amount, currency: "CNY", idempotencyKey: "bnpl-e2e-repay") {
        plan { state outstanding { amount } } errors { code message } } }""",
    "funded": """query { fundedPurchases { planId principal { amount } annualRate
        principalRepaid { amount } interestReceived { amount } planState } }""",
}
MATCH_CREATED = parse(
    "subscription M($after: String) { matchCreated(after: $after) { aggregateType payload } }"
)


async def ok(client: httpx.AsyncClient, name: str, token: str, **variables: Any) -> Any:
    body = await gql(client, Q[name], variables or None, token=token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


async def test_a_bank_funds_a_purchase_and_is_repaid(
    server: ServerProcess, stores: StoreUrls
) -> None:
    email = await make_operator(stores, stem="bnpl-operator")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        operator = (await log_in(client, email))["accessToken"]
        # a partner bank with an offer for grade C, 3 to 12 months, cheaper than any other
        # offer the shared server may hold from earlier tests (the engine takes the cheapest)
        bank = await signed_in(client, roles=["INVESTOR"], kind="BUSINESS")
        await ok(client, "grant", operator, id=bank.id)
        bank_token = (await log_in(client, bank.email))["accessToken"]
        bank_key = (await ok(client, "bank_key", bank_token))["secret"]
        await ok(
            client,
            "offer",
            bank_key,
            i={
                "currency": "CNY",
                "capacity": "10000.00",
                "rateFloor": "0.05",
                "grades": ["C"],
                "minTermMonths": 3,
                "maxTermMonths": 12,
                "minAmount": "10.00",
                "maxAmount": "5000.00",
            },
        )
        # a merchant's intent, and a shopper whose identity is verified, graded C by the risk
        # engine on the income declared
        merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
        shop_key = (await ok(client, "shop_key", merchant.access_token))["secret"]
        intent = await ok(
            client,
            "intent",
            shop_key,
            i={"amount": "300.00", "currency": "CNY", "orderReference": "bnpl-e2e"},
        )
        shopper = await signed_in(client, roles=["INVESTOR"])
        submitted = await ok(
            client,
            "kyc",
            shopper.access_token,
            i={
                "documentType": "RESIDENT_ID",
                "legalName": "王五",
                "documentNumber": unique_resident_id(),
            },
        )
        await ok(
            client,
            "decide",
            operator,
            i={"submissionId": submitted["submission"]["id"], "decision": "VERIFY"},
        )
        credit = await ok(client, "credit", shopper.access_token)
        assert (credit["decision"]["status"], credit["decision"]["grade"]) == ("APPROVED", "C")
        assert credit["creditLine"]["limit"] == {"amount": "6000.00"}

        # when the shopper pays in 3 installments while the bank listens (from a cursor: the
        # subscription replays whatever is published before it is registered)
        after = await published_high_water(stores)
        async with ws_session(server, Subscriber(replace(bank, access_token=bank_token))) as ws:
            listening = asyncio.create_task(received(ws, MATCH_CREATED, 1, within=60, after=after))
            bought = await ok(client, "buy", shopper.access_token, id=intent["paymentIntent"]["id"])
            [match] = await listening

        # then the bank's offer funded all of it, and the bank was told and sees it
        plan_id = bought["plan"]["id"]
        assert bought["paymentIntent"]["state"] == "SUCCEEDED"
        assert match["aggregateType"] == "BnplPlan"
        assert match["payload"]["amount"] == 30_000
        assert match["payload"]["plan_id"] == str(key_of(plan_id))
        [funded] = await ok(client, "funded", bank_key)
        assert funded["planId"] == plan_id
        assert (funded["principal"], funded["annualRate"]) == ({"amount": "300.00"}, "0.05")

        # when the shopper repays everything, the bank has its principal and interest
        outstanding = bought["plan"]["outstanding"]["amount"]
        salary = {
            "participantId": shopper.id,
            "amount": outstanding,
            "currency": "CNY",
            "reason": "the shopper's salary",
        }
        await ok(client, "adjust", operator, i=salary)
        repaid = await ok(client, "repay", shopper.access_token, id=plan_id, amount=outstanding)
        assert repaid["plan"]["state"] == "PAID"
        [funded] = await ok(client, "funded", bank_key)
        assert funded["principalRepaid"] == {"amount": "300.00"}
        assert funded["planState"] == "PAID"
        assert funded["interestReceived"]["amount"] != "0.00"

    verified = await asyncio.to_thread(agora_here, "ledger", "verify", env=server_env(stores))
    assert verified.returncode == 0, verified.stdout + verified.stderr
