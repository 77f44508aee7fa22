"""Payments over GraphQL: a merchant's API key, a shopper's wallet, the operator's fee plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from support.graphql import Person, gql, signed_in

CREATE_KEY = """mutation {
  createApiKey(input: {name: "shop", scopes: [PAYMENTS_READ, PAYMENTS_WRITE]})
  { secret errors { code } } }"""
FEE_PLAN = """mutation F($input: SetMerchantFeePlanInput!) {
  setMerchantFeePlan(input: $input) {
    feePlan { percentBps fixed { amount } standard } errors { code field } } }"""
SPLIT_RULE = """mutation S($input: CreateSplitRuleInput!) {
  createSplitRule(input: $input) { splitRule { id isDefault shares { role percentBps } }
    errors { code field message } } }"""
CREATE = """mutation C($input: CreatePaymentIntentInput!, $key: String!) {
  createPaymentIntent(input: $input, idempotencyKey: $key) {
    paymentIntent { id state amount { amount currency } } errors { code field message } } }"""
PAY = """mutation P($id: ID!, $key: String!) {
  payIntent(paymentId: $id, idempotencyKey: $key) { paymentIntent { state } errors { code } } }"""
CONFIRM = """mutation C($id: ID!, $key: String!) {
  confirmReceipt(paymentId: $id, idempotencyKey: $key) {
    paymentIntent { state } errors { code } } }"""
REFUND = """mutation R($input: RefundPaymentInput!, $key: String!) {
  refundPayment(input: $input, idempotencyKey: $key) {
    refund { amount { amount } feeReversed { amount } legsReversed { role amount { amount } } }
    paymentIntent { state refundable { amount } } errors { code field message } } }"""
INTENT = """query I($id: ID!) { paymentIntent(id: $id) {
  state fee { amount } captured { amount } refunded { amount }
  splits { role partyId amount { amount } } } }"""
ADJUST = """mutation A($input: AdjustWalletInput!) {
  adjustWallet(input: $input, idempotencyKey: "seed") { errors { code } } }"""


async def _data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_a_merchant_key_sells_with_a_split_and_refunds_part(
    client: httpx.AsyncClient, operator: Person
) -> None:
    # given a merchant (with a key), a referrer, a funded shopper and a fee plan of 1 % + 0.10
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    referrer = await signed_in(client, roles=["INVESTOR"])
    shopper = await signed_in(client, roles=["INVESTOR"])
    key = (await _data(client, CREATE_KEY, {}, merchant.access_token))["secret"]
    seed = {
        "participantId": shopper.id,
        "amount": "500.00",
        "currency": "CNY",
        "reason": "seed the shopper",
    }
    assert (await _data(client, ADJUST, {"input": seed}, operator.access_token))["errors"] == []
    plan = await _data(
        client,
        FEE_PLAN,
        {
            "input": {
                "merchantId": merchant.id,
                "currency": "CNY",
                "percentBps": 100,
                "fixed": "0.10",
            }
        },
        operator.access_token,
    )
    assert plan == {
        "feePlan": {"percentBps": 100, "fixed": {"amount": "0.10"}, "standard": False},
        "errors": [],
    }
    shares = [
        {"role": "MERCHANT", "partyId": merchant.id, "percentBps": 8000},
        {"role": "REFERRER", "partyId": referrer.id, "percentBps": 1500},
        {"role": "PLATFORM", "percentBps": 500},
    ]
    new_rule = {"name": "affiliate", "currency": "CNY", "shares": shares, "isDefault": True}
    rule = await _data(client, SPLIT_RULE, {"input": new_rule}, key)
    assert rule["errors"] == []
    assert rule["splitRule"]["isDefault"]

    # when the key creates an intent of 200.00 and the shopper pays and confirms
    order = {"amount": "200.00", "currency": "CNY", "orderReference": "A-1"}
    created = await _data(client, CREATE, {"input": order, "key": "k1"}, key)
    payment = created["paymentIntent"]["id"]
    assert created["paymentIntent"]["state"] == "REQUIRES_PAYMENT"
    again = await _data(client, CREATE, {"input": order, "key": "k1"}, key)
    assert again["paymentIntent"]["id"] == payment
    assert (await _data(client, PAY, {"id": payment, "key": "p1"}, shopper.access_token))[
        "paymentIntent"
    ] == {"state": "HELD"}
    assert (await _data(client, CONFIRM, {"id": payment, "key": "c1"}, shopper.access_token))[
        "paymentIntent"
    ] == {"state": "RELEASED"}

    # then the fee is 2.10 and 197.90 is split 80/15/5
    seen = await _data(client, INTENT, {"id": payment}, key)
    assert seen["fee"] == {"amount": "2.10"}
    assert [(s["role"], s["amount"]["amount"]) for s in seen["splits"]] == [
        ("MERCHANT", "158.32"),
        ("REFERRER", "29.69"),
        ("PLATFORM", "9.89"),
    ]
    assert seen["splits"][1]["partyId"] == referrer.id

    # when the merchant refunds 50.00 (a quarter)
    part = {"paymentId": payment, "amount": "50.00", "currency": "CNY", "reason": "one back"}
    refund = await _data(client, REFUND, {"input": part, "key": "r1"}, key)

    # then each party gave back its quarter, and 150.00 remains refundable
    assert refund["errors"] == []
    assert refund["refund"]["feeReversed"] == {"amount": "0.53"}
    legs = [Decimal(leg["amount"]["amount"]) for leg in refund["refund"]["legsReversed"]]
    assert sum(legs) + Decimal("0.53") == Decimal("50.00")
    assert refund["paymentIntent"] == {
        "state": "PARTIALLY_REFUNDED",
        "refundable": {"amount": "150.00"},
    }
    # and the shopper sees the payment; the referrer too; a stranger does not
    assert (await _data(client, INTENT, {"id": payment}, shopper.access_token))[
        "state"
    ] == "PARTIALLY_REFUNDED"
    assert (await _data(client, INTENT, {"id": payment}, referrer.access_token)) is not None
    stranger = await signed_in(client, roles=["INVESTOR"])
    assert (await _data(client, INTENT, {"id": payment}, stranger.access_token)) is None
    # and a replayed answer shows the payment as it is now, not as it was then
    replayed = await _data(client, PAY, {"id": payment, "key": "p1"}, shopper.access_token)
    assert replayed["paymentIntent"] == {"state": "PARTIALLY_REFUNDED"}
    again = await _data(client, CREATE, {"input": order, "key": "k1"}, key)
    assert again["paymentIntent"]["state"] == "PARTIALLY_REFUNDED"


DISPUTE = """mutation D($id: ID!) { openDispute(paymentId: $id, reason: "the parcel never came") {
  dispute { id } errors { code field message } } }"""
RESOLVE = """mutation R($input: ResolveDisputeInput!, $key: String!) {
  resolveDispute(input: $input, idempotencyKey: $key) { errors { code field message } } }"""
REFUNDED = """query I($id: ID!) {
  paymentIntent(id: $id) { state captured { amount } refunded { amount } refundable { amount } }
  paymentRefunds(paymentId: $id) { amount { amount } source } }"""


async def test_refunds_out_of_escrow_by_a_dispute_count_with_the_merchants_own(
    client: httpx.AsyncClient, operator: Person
) -> None:
    # given two payments of 200.00 held in escrow, each disputed by the shopper
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    shopper = await signed_in(client, roles=["INVESTOR"])
    seed = {
        "participantId": shopper.id,
        "amount": "500.00",
        "currency": "CNY",
        "reason": "seed the shopper",
    }
    seeded = await _data(
        client, ADJUST.replace('"seed"', '"seed-disputes"'), {"input": seed}, operator.access_token
    )
    assert seeded["errors"] == []
    payments, disputes = [], []
    for n in range(2):
        order = {"amount": "200.00", "currency": "CNY", "orderReference": f"D-{n}"}
        created = await _data(
            client, CREATE, {"input": order, "key": f"d{n}"}, merchant.access_token
        )
        payments.append(created["paymentIntent"]["id"])
        paid = await _data(client, PAY, {"id": payments[n], "key": f"p{n}"}, shopper.access_token)
        assert paid["errors"] == [], paid
        opened = await _data(client, DISPUTE, {"id": payments[n]}, shopper.access_token)
        assert opened["errors"] == [], opened
        disputes.append(opened["dispute"]["id"])

    # when the operator gives 50.00 of the first back and all of the second, and the merchant
    # then refunds 30.00 more of the first
    partial = {
        "disputeId": disputes[0],
        "resolution": "PARTIAL",
        "refundAmount": "50.00",
        "currency": "CNY",
        "note": "half the order arrived",
    }
    whole = {"disputeId": disputes[1], "resolution": "REFUND", "note": "nothing arrived"}
    for n, resolution in enumerate([partial, whole]):
        resolved = await _data(
            client, RESOLVE, {"input": resolution, "key": f"r{n}"}, operator.access_token
        )
        assert resolved["errors"] == []
    after_dispute = await gql(client, REFUNDED, {"id": payments[0]}, token=merchant.access_token)
    more = {"paymentId": payments[0], "amount": "30.00", "currency": "CNY"}
    refunded = await _data(client, REFUND, {"input": more, "key": "more"}, merchant.access_token)
    first = await gql(client, REFUNDED, {"id": payments[0]}, token=merchant.access_token)
    second = await gql(client, REFUNDED, {"id": payments[1]}, token=shopper.access_token)

    # then every refund, by any path, is in refunded and paymentRefunds; refundable is what is
    # left of what the merchant captured
    assert after_dispute["data"]["paymentIntent"] == {
        "state": "PARTIALLY_REFUNDED",
        "captured": {"amount": "150.00"},
        "refunded": {"amount": "50.00"},
        "refundable": {"amount": "150.00"},
    }
    assert refunded["errors"] == []
    assert first["data"]["paymentIntent"] == {
        "state": "PARTIALLY_REFUNDED",
        "captured": {"amount": "150.00"},
        "refunded": {"amount": "80.00"},
        "refundable": {"amount": "120.00"},
    }
    assert first["data"]["paymentRefunds"] == [
        {"amount": {"amount": "50.00"}, "source": "ESCROW"},
        {"amount": {"amount": "30.00"}, "source": "CAPTURED"},
    ]
    assert second["data"] == {
        "paymentIntent": {
            "state": "REFUNDED",
            "captured": {"amount": "0.00"},
            "refunded": {"amount": "200.00"},
            "refundable": {"amount": "0.00"},
        },
        "paymentRefunds": [{"amount": {"amount": "200.00"}, "source": "ESCROW"}],
    }
