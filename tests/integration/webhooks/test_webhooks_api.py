"""Webhooks over GraphQL: endpoints managed by their owner alone, the delivery log, redelivery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.webhooks.sender import HttpWebhookSender
from domain.clock import SystemClock
from domain.webhooks.services.delivery import deliver_due_webhooks
from domain.webhooks.signature import verify
from support.graphql import Person, gql, signed_in
from support.security import Caller, create_key
from support.stores import StoreUrls, make_production_settings
from support.webhooks import LOOPBACK, Receiver, fan_out

FIELDS = "id url description eventTypes enabled disabledReason previousSecretExpiresAt"
ERRORS = "errors { code field message }"
CREATE = f"""mutation C($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{ endpoint {{ {FIELDS} }} secret {ERRORS} }} }}"""
UPDATE = f"""mutation U($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{ endpoint {{ {FIELDS} }} {ERRORS} }} }}"""
ROTATE = f"""mutation R($id: ID!, $overlap: Int!) {{
  rotateWebhookSecret(id: $id, overlapSeconds: $overlap) {{
    endpoint {{ {FIELDS} }} secret {ERRORS} }} }}"""
DELETE = f"""mutation D($id: ID!) {{
  deleteWebhookEndpoint(id: $id) {{ deletedId {ERRORS} }} }}"""
REDELIVER = f"""mutation R($id: ID!) {{
  redeliverWebhook(deliveryId: $id) {{
    delivery {{ id status messageId redeliveryOf attempts {{ number }} }} {ERRORS} }} }}"""
ENDPOINTS = f"{{ webhookEndpoints {{ {FIELDS} }} }}"
DELIVERIES = """query L($first: Int, $after: String, $endpoint: ID,
                 $status: WebhookDeliveryStatus) {
  webhookDeliveries(first: $first, after: $after, endpointId: $endpoint, status: $status) {
    nodes { id endpointId messageId eventType status attemptCount body redeliveryOf
            attempts { number statusCode succeeded durationMs responseSnippet error } }
    pageInfo { hasNextPage endCursor } } }"""
DEPOSIT = """mutation Dep($key: String!) {
  deposit(input: {amount: "10.00", currency: "CNY"}, idempotencyKey: $key) {
    status errors { code } } }"""


async def create(
    client: httpx.AsyncClient, who: Person | str, url: str, **extra: Any
) -> dict[str, Any]:
    token = who if isinstance(who, str) else who.access_token
    body = await gql(client, CREATE, {"input": {"url": url, **extra}}, token=token)
    return body["data"]["createWebhookEndpoint"]  # type: ignore[no-any-return]


async def deliver_now(app: Starlette) -> int:
    """What the worker does: fan out what the app recorded and deliver it, with its vault."""
    sessions = app.state.services.stores.sessions
    clock = SystemClock()
    await fan_out(sessions, clock)
    sender = HttpWebhookSender(LOOPBACK, timeout=5)
    try:
        return await deliver_due_webhooks(
            sessions, clock, vault=app.state.services.identity.vault, sender=sender
        )
    finally:
        await sender.aclose()


async def test_an_owner_registers_changes_rotates_and_deletes_an_endpoint(
    client: httpx.AsyncClient,
) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    token = merchant.access_token

    created = await create(
        client,
        merchant,
        "https://hooks.example.com/agora",
        eventTypes=["WALLET_CHANGED"],
        description="  settlement   feed ",
    )
    assert created["errors"] == []
    endpoint = created["endpoint"]
    assert created["secret"].startswith("whsec_")
    assert endpoint["eventTypes"] == ["WALLET_CHANGED"]
    assert endpoint["description"] == "settlement feed"
    assert endpoint["enabled"] is True
    listed = (await gql(client, ENDPOINTS, token=token))["data"]["webhookEndpoints"]
    assert listed == [endpoint]
    assert created["secret"] not in str(listed)

    updated = (
        await gql(
            client,
            UPDATE,
            {"input": {"id": endpoint["id"], "eventTypes": [], "enabled": False}},
            token=token,
        )
    )["data"]["updateWebhookEndpoint"]
    assert updated["errors"] == []
    assert updated["endpoint"]["eventTypes"] == []
    assert (updated["endpoint"]["enabled"], updated["endpoint"]["disabledReason"]) == (
        False,
        "disabled by its owner",
    )

    before = datetime.now().astimezone()
    rotated = (await gql(client, ROTATE, {"id": endpoint["id"], "overlap": 3600}, token=token))[
        "data"
    ]["rotateWebhookSecret"]
    assert rotated["errors"] == []
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    overlap_ends = datetime.fromisoformat(rotated["endpoint"]["previousSecretExpiresAt"])
    assert before + timedelta(minutes=59) < overlap_ends < before + timedelta(minutes=61)

    deleted = (await gql(client, DELETE, {"id": endpoint["id"]}, token=token))["data"]
    assert deleted["deleteWebhookEndpoint"] == {"deletedId": endpoint["id"], "errors": []}
    assert (await gql(client, ENDPOINTS, token=token))["data"]["webhookEndpoints"] == []
    node = await gql(
        client, "query N($id: ID!) { node(id: $id) { id } }", {"id": endpoint["id"]}, token=token
    )
    assert node == {"data": {"node": None}}


async def test_unsafe_urls_are_refused_with_the_field_named(client: httpx.AsyncClient) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")

    for url in ("ftp://x.example.com/", "http://hooks.example.com/", "https://u:p@x.example.com/"):
        refused = await create(client, merchant, url)
        assert refused["endpoint"] is None
        assert refused["secret"] is None
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_INPUT", "url")]


async def test_the_delivery_log_shows_attempts_filters_pages_and_redelivers(
    app: Starlette, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    token = person.access_token
    created = await create(client, person, receiver.url)
    endpoint_id = created["endpoint"]["id"]
    for n in range(3):
        assert (await gql(client, DEPOSIT, {"key": f"d{n}"}, token=token))["data"]["deposit"][
            "errors"
        ] == []

    assert await deliver_now(app) == 3

    log = (await gql(client, DELIVERIES, {"first": 2}, token=token))["data"]["webhookDeliveries"]
    assert log["pageInfo"]["hasNextPage"] is True
    rest = (
        await gql(
            client, DELIVERIES, {"first": 2, "after": log["pageInfo"]["endCursor"]}, token=token
        )
    )["data"]["webhookDeliveries"]
    assert rest["pageInfo"]["hasNextPage"] is False
    nodes = log["nodes"] + rest["nodes"]
    assert len({n["id"] for n in nodes}) == 3
    for node in nodes:
        assert node["endpointId"] == endpoint_id
        assert (node["status"], node["attemptCount"], node["eventType"]) == (
            "SUCCEEDED",
            1,
            "wallet.changed",
        )
        [attempt] = node["attempts"]
        assert (attempt["number"], attempt["statusCode"], attempt["succeeded"]) == (1, 200, True)
    failed = await gql(client, DELIVERIES, {"status": "FAILED"}, token=token)
    assert failed["data"]["webhookDeliveries"]["nodes"] == []
    by_endpoint = await gql(client, DELIVERIES, {"endpoint": endpoint_id}, token=token)
    assert len(by_endpoint["data"]["webhookDeliveries"]["nodes"]) == 3

    original = nodes[0]
    again = (await gql(client, REDELIVER, {"id": original["id"]}, token=token))["data"][
        "redeliverWebhook"
    ]
    assert again["errors"] == []
    assert again["delivery"]["status"] == "PENDING"
    assert again["delivery"]["redeliveryOf"] == original["id"]
    assert again["delivery"]["messageId"] == original["messageId"]
    assert await deliver_now(app) == 1
    copies = [r for r in receiver.received if r.headers["webhook-id"] == original["messageId"]]
    assert len(copies) == 2
    assert copies[0].body == copies[1].body
    verify(copies[1].headers, copies[1].body, [created["secret"]], now=SystemClock().now())


async def test_redelivery_to_a_disabled_endpoint_is_refused(
    app: Starlette, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    token = person.access_token
    endpoint_id = (await create(client, person, receiver.url))["endpoint"]["id"]
    await gql(client, DEPOSIT, {"key": "d"}, token=token)
    await deliver_now(app)
    [delivery] = (await gql(client, DELIVERIES, token=token))["data"]["webhookDeliveries"]["nodes"]
    await gql(client, UPDATE, {"input": {"id": endpoint_id, "enabled": False}}, token=token)

    refused = (await gql(client, REDELIVER, {"id": delivery["id"]}, token=token))["data"]

    assert refused["redeliverWebhook"]["errors"][0]["code"] == "ENDPOINT_DISABLED"


async def test_another_participants_endpoint_and_deliveries_look_missing(
    app: Starlette, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    owner = await signed_in(client, roles=["INVESTOR"])
    other = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    endpoint_id = (await create(client, owner, receiver.url))["endpoint"]["id"]
    await gql(client, DEPOSIT, {"key": "d"}, token=owner.access_token)
    await deliver_now(app)
    [delivery] = (await gql(client, DELIVERIES, token=owner.access_token))["data"][
        "webhookDeliveries"
    ]["nodes"]

    for document, variables in (
        (UPDATE, {"input": {"id": endpoint_id, "enabled": False}}),
        (ROTATE, {"id": endpoint_id, "overlap": 0}),
        (DELETE, {"id": endpoint_id}),
        (REDELIVER, {"id": delivery["id"]}),
    ):
        body = await gql(client, document, variables, token=other.access_token)
        [payload] = body["data"].values()
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], body

    theirs = await gql(client, DELIVERIES, {"endpoint": endpoint_id}, token=other.access_token)
    assert theirs["data"]["webhookDeliveries"]["nodes"] == []
    assert (await gql(client, ENDPOINTS, token=other.access_token))["data"] == {
        "webhookEndpoints": []
    }
    owners_view = await gql(client, ENDPOINTS, token=owner.access_token)
    assert owners_view["data"]["webhookEndpoints"][0]["enabled"] is True


async def test_api_keys_need_the_webhook_scopes(client: httpx.AsyncClient) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    _, writer = await create_key(client, _caller(merchant), ["WEBHOOKS_WRITE", "WALLET_READ"])
    _, reader = await create_key(client, _caller(merchant), ["WEBHOOKS_READ"])
    _, payments = await create_key(client, _caller(merchant), ["PAYMENTS_READ"])

    made = await create(client, writer, "https://hooks.example.com/a")
    refused = await create(client, reader, "https://hooks.example.com/b")
    listed = await gql(client, ENDPOINTS, token=reader)
    not_listed = await gql(client, ENDPOINTS, token=payments)

    assert made["errors"] == []
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert [e["id"] for e in listed["data"]["webhookEndpoints"]] == [made["endpoint"]["id"]]
    assert not_listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_key_points_endpoints_only_at_events_it_may_read(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    _, hooks_only = await create_key(client, _caller(merchant), ["WEBHOOKS_WRITE"])
    _, payments = await create_key(
        client, _caller(merchant), ["WEBHOOKS_WRITE", "WEBHOOKS_READ", "PAYMENTS_READ"]
    )

    no_read_scope = await create(client, hooks_only, "https://hooks.example.com/a")
    named_wallet = await create(
        client, hooks_only, "https://hooks.example.com/b", eventTypes=["WALLET_CHANGED"]
    )
    named_match = await create(
        client, payments, "https://hooks.example.com/c", eventTypes=["MATCH_CREATED"]
    )
    every_type = await create(client, payments, "https://hooks.example.com/d")
    persons = await create(client, merchant, "https://hooks.example.com/e")

    for refused, scope in [
        (no_read_scope, None),
        (named_wallet, "wallet:read"),
        (named_match, "offers:read"),
    ]:
        assert refused["endpoint"] is None
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
        assert scope is None or scope in refused["errors"][0]["message"]
    # "every type" from a key is every type it may receive; a person's is every type
    assert every_type["endpoint"]["eventTypes"] == ["PAYMENT_UPDATED"]
    assert persons["endpoint"]["eventTypes"] == []

    # a key may not send the person's every-type endpoint elsewhere, nor widen its own
    moved = await gql(
        client,
        UPDATE,
        {"input": {"id": persons["endpoint"]["id"], "url": "https://evil.example.com/"}},
        token=payments,
    )
    widened = await gql(
        client,
        UPDATE,
        {"input": {"id": every_type["endpoint"]["id"], "eventTypes": ["WALLET_CHANGED"]}},
        token=payments,
    )
    narrowed = await gql(
        client,
        UPDATE,
        {"input": {"id": persons["endpoint"]["id"], "eventTypes": ["PAYMENT_UPDATED"]}},
        token=payments,
    )
    assert [e["code"] for e in moved["data"]["updateWebhookEndpoint"]["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in widened["data"]["updateWebhookEndpoint"]["errors"]] == ["FORBIDDEN"]
    assert narrowed["data"]["updateWebhookEndpoint"]["endpoint"]["eventTypes"] == [
        "PAYMENT_UPDATED"
    ]

    # the merchant's wallet moves: owed to the person's endpoint, not to the key's
    wallet_hook = await create(client, merchant, "https://hooks.example.com/f")
    await gql(client, DEPOSIT, {"key": "scoped"}, token=merchant.access_token)
    await fan_out(app.state.services.stores.sessions, SystemClock())
    for endpoint, owed in [(every_type, 0), (wallet_hook, 1)]:
        variables = {"endpoint": endpoint["endpoint"]["id"]}
        log = await gql(client, DELIVERIES, variables, token=merchant.access_token)
        assert len(log["data"]["webhookDeliveries"]["nodes"]) == owed


def _caller(person: Person) -> Caller:
    return Caller("merchant", person.access_token, person.id, person.email)


@pytest.fixture
async def production_client(clean_stores: StoreUrls) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(make_production_settings(clean_stores))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as http:
            yield http


@pytest.mark.parametrize(
    "url",
    [
        "https://127.1/x",
        "https://2130706433/x",
        "https://0x7f000001/x",
        "https://0/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://0177.0.0.1/x",
        "https://0xa9fea9fe/x",
    ],
)
async def test_production_refuses_numeric_forms_of_private_addresses_at_registration(
    production_client: httpx.AsyncClient, url: str
) -> None:
    merchant = await signed_in(production_client, roles=["MERCHANT"], kind="BUSINESS")

    created = await create(production_client, merchant, url)

    assert created["endpoint"] is None
    assert created["errors"] == [
        {
            "code": "INVALID_INPUT",
            "field": "url",
            "message": "must not point at a private or reserved address",
        }
    ]
    assert (await gql(production_client, ENDPOINTS, token=merchant.access_token))["data"] == {
        "webhookEndpoints": []
    }
