"""A merchant's return-shipping cover over GraphQL: named at createPaymentIntent, shown on
the payment, and a shopper's own cover on it refused with its typed error."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from domain.clock import FixedClock
from graph.relay import to_global_id
from support.graphql import Person, gql, signed_in
from support.insurance import RETURN_SHIPPING, insurer, publish
from support.ledger import NOW
from support.lending_world import fund_wallet
from support.security import key_of

CREATE_KEY = """mutation {
  createApiKey(input: {name: "shop", scopes: [PAYMENTS_READ, PAYMENTS_WRITE]})
  { secret errors { code } } }"""
CREATE = """mutation C($input: CreatePaymentIntentInput!, $key: String!) {
  createPaymentIntent(input: $input, idempotencyKey: $key) {
    paymentIntent { id returnShippingProductId } errors { code field message } } }"""
CANCEL_COVER = """mutation X($id: ID!, $key: String!) {
  cancelReturnShippingCover(paymentId: $id, idempotencyKey: $key) {
    paymentIntent { id returnShippingProductId } errors { code field } } }"""
PAY = """mutation P($id: ID!, $key: String!, $cover: ID) {
  payIntent(paymentId: $id, idempotencyKey: $key, returnShippingProductId: $cover) {
    paymentIntent { state } errors { code field } } }"""


async def _create(client: httpx.AsyncClient, key: str, order: str, **more: Any) -> Any:
    variables = {
        "input": {"amount": "250.00", "currency": "CNY", "orderReference": order, **more},
        "key": order,
    }
    return (await gql(client, CREATE, variables, token=key))["data"]["createPaymentIntent"]


async def _merchant_and_shopper(
    app: Starlette, client: httpx.AsyncClient
) -> tuple[str, dict[str, Any], Person]:
    """(a return-shipping product's global id, a merchant's API key, a shopper)."""
    sessions = app.state.services.stores.sessions
    clock = FixedClock(NOW)
    company = await insurer(sessions, clock)
    product = await publish(sessions, clock, company, RETURN_SHIPPING)
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    shopper = await signed_in(client, roles=["INVESTOR"])
    key = (await gql(client, CREATE_KEY, token=merchant.access_token))["data"]["createApiKey"]
    return to_global_id("InsuranceProduct", product.id), key, shopper


async def test_a_merchant_names_its_cover_and_a_shoppers_second_cover_is_refused(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    product_id, key, shopper = await _merchant_and_shopper(app, client)

    # when the merchant names the cover creating the payment: shown on the payment
    created = await _create(client, key["secret"], "api-1", returnShippingProductId=product_id)
    assert created["errors"] == [], created
    assert created["paymentIntent"]["returnShippingProductId"] == product_id

    # a DIRECT payment takes no return-shipping cover
    direct = await _create(
        client, key["secret"], "api-2", mode="DIRECT", returnShippingProductId=product_id
    )
    assert direct["paymentIntent"] is None
    assert direct["errors"][0]["field"] == "returnShippingProductId"

    # a shopper adding its own cover to the insured payment: COVER_ALREADY_ADDED
    variables = {"id": created["paymentIntent"]["id"], "key": "pay-1", "cover": product_id}
    paid = (await gql(client, PAY, variables, token=shopper.access_token))["data"]["payIntent"]
    assert paid["paymentIntent"] is None
    assert [e["code"] for e in paid["errors"]] == ["COVER_ALREADY_ADDED"]


async def test_a_merchant_cancels_its_cover_before_payment_and_not_after(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    product_id, key, shopper = await _merchant_and_shopper(app, client)
    sessions = app.state.services.stores.sessions
    await fund_wallet(sessions, FixedClock(NOW), key_of(shopper.id), 100_000)
    created = await _create(client, key["secret"], "api-c", returnShippingProductId=product_id)
    payment_id = created["paymentIntent"]["id"]

    # when the merchant cancels its cover before the shopper pays: gone from the payment
    variables = {"id": payment_id, "key": "drop-api-1"}
    dropped = await gql(client, CANCEL_COVER, variables, token=key["secret"])
    assert dropped["data"]["cancelReturnShippingCover"] == {
        "paymentIntent": {"id": payment_id, "returnShippingProductId": None},
        "errors": [],
    }

    # once the shopper paid: PAYMENT_STATE
    paid = await gql(client, PAY, {"id": payment_id, "key": "pay-c"}, token=shopper.access_token)
    assert paid["data"]["payIntent"]["paymentIntent"] == {"state": "HELD"}, paid
    variables = {"id": payment_id, "key": "drop-api-2"}
    late = (await gql(client, CANCEL_COVER, variables, token=key["secret"]))["data"]
    assert late["cancelReturnShippingCover"] == {
        "paymentIntent": None,
        "errors": [{"code": "PAYMENT_STATE", "field": "paymentId"}],
    }
