"""Insecure direct object references: another participant's object looks exactly like none.

A caller who may not see an object gets, byte for byte, the answer they get for an id that
names nothing: through node and nodes for every Node type, and through the fields in BY_ID
(test_idor_walk.py walks every other id position of the schema); their owner finds them;
lists never show them; malformed ids are just more ids that name nothing; and contact
details show only to their owner and the operator.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from graph.nodes import registered_id_types
from graph.schema import build_schema
from support.graphql import PASSWORD, gql
from support.node_world import NodeWorld, malformed_ids, node_world, without_messages
from support.security import (
    LEAKS,
    Caller,
    global_id,
    key_of,
    missing_id,
    running_app,
)
from support.stores import StoreUrls


@pytest.fixture(scope="module")
async def world(stores: StoreUrls) -> AsyncIterator[NodeWorld]:
    async with running_app(stores) as (app, client):
        yield await node_world(app, client)


@dataclass(frozen=True)
class ById:
    """A field that takes the id of a `type_name` object, as `$id`."""

    name: str
    type_name: str
    document: str
    operator_may: bool  # the operator is entitled to the object: no IDOR rule for them
    reads: bool = False  # a query: its owner (or the operator) sees the object with it


# Fields test_idor_walk.py cannot judge alone: reads whose owner must find the object, the
# operator's own fields, and mutations on a payment the operator reads but may not act on.
# Every other id position is walked there, generated from the schema.
BY_ID = [
    ById(
        "node(Participant)",
        "Participant",
        "query Q($id: ID!) { node(id: $id) { id ... on Participant { email phone } } }",
        operator_may=True,
        reads=True,
    ),
    ById(
        "node(KycSubmission)",
        "KycSubmission",
        "query Q($id: ID!) { node(id: $id) { id ... on KycSubmission { legalName } } }",
        operator_may=True,
        reads=True,
    ),
    ById(
        "node(ApiKey)",
        "ApiKey",
        "query Q($id: ID!) { node(id: $id) { id ... on ApiKey { prefix } } }",
        operator_may=False,
        reads=True,
    ),
    ById(
        "participant",
        "Participant",
        "query Q($id: ID!) { participant(id: $id) { id email phone } }",
        operator_may=True,
        reads=True,
    ),
    ById(
        "auditLog(actorId)",
        "Participant",
        "query Q($id: ID!) { auditLog(actorId: $id) { nodes { action } } }",
        operator_may=True,
    ),
    ById(
        "decideKyc",
        "KycSubmission",
        """mutation M($id: ID!) { decideKyc(input: {submissionId: $id, decision: REJECT,
              reason: "blurred scan"}) { submission { id status } errors { code field message } } }""",  # noqa: E501
        operator_may=True,
    ),
    ById(
        "revealDocumentNumber",
        "KycSubmission",
        """mutation M($id: ID!) { revealDocumentNumber(submissionId: $id,
              reason: "fraud review ticket 4711") { documentNumber errors { code field message } } }""",  # noqa: E501
        operator_may=True,
    ),
    ById(
        "node(WebhookEndpoint)",
        "WebhookEndpoint",
        "query Q($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url } } }",
        operator_may=False,
        reads=True,
    ),
    ById(
        "grantRole",
        "Participant",
        """mutation M($id: ID!) { grantRole(participantId: $id, role: INSURER) {
              participant { id roles email } errors { code field message } } }""",
        operator_may=True,
    ),
    ById(
        "paymentIntent",
        "PaymentIntent",
        "query Q($id: ID!) { paymentIntent(id: $id) { id state amount { amount } } }",
        operator_may=True,
        reads=True,
    ),
    ById(
        "confirmShipment",
        "PaymentIntent",
        "mutation M($id: ID!) { confirmShipment(paymentId: $id) { paymentIntent { id } errors { code field message } } }",  # noqa: E501
        operator_may=False,
    ),
    ById(
        "refundPayment",
        "PaymentIntent",
        """mutation M($id: ID!) { refundPayment(input: {paymentId: $id}, idempotencyKey: "idor")
              { refund { id } errors { code field message } } }""",
        operator_may=False,
    ),
    ById(
        "cancelPaymentIntent",
        "PaymentIntent",
        """mutation M($id: ID!) { cancelPaymentIntent(paymentId: $id, idempotencyKey: "idor")
              { paymentIntent { id } errors { code field message } } }""",
        operator_may=False,
    ),
    ById(
        "cancelReturnShippingCover",
        "PaymentIntent",
        """mutation M($id: ID!) { cancelReturnShippingCover(paymentId: $id,
              idempotencyKey: "idor") { paymentIntent { id } errors { code field message } } }""",
        operator_may=False,
    ),
    ById(
        "confirmReceipt",
        "PaymentIntent",
        """mutation M($id: ID!) { confirmReceipt(paymentId: $id, idempotencyKey: "idor")
              { paymentIntent { id } errors { code field message } } }""",
        operator_may=False,
    ),
    ById(
        "extendEscrow",
        "PaymentIntent",
        """mutation M($id: ID!) { extendEscrow(paymentId: $id, idempotencyKey: "idor")
              { paymentIntent { id autoReleaseAt } errors { code field message } } }""",
        operator_may=False,
    ),
    ById(
        "openDispute",
        "PaymentIntent",
        """mutation M($id: ID!) { openDispute(paymentId: $id, reason: "never arrived at all")
              { dispute { id } errors { code field message } } }""",
        operator_may=False,
    ),
]


async def ask(
    world: NodeWorld, caller: Caller, document: str, object_id: str | list[str]
) -> dict[str, Any]:
    """The answer to `document` with `$id` (`$ids`) set, and a key of its own if it takes one
    (a refusal is stored under its key: the next request must not meet it)."""
    variables: dict[str, Any] = {"ids" if isinstance(object_id, list) else "id": object_id}
    if "$key" in document:
        variables["key"] = f"idor-{uuid.uuid4().hex}"
    response = await world.client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"authorization": f"Bearer {caller.token}"} if caller.token else {},
    )
    assert response.status_code == 200, response.text
    assert not any(leak in response.text for leak in LEAKS), response.text
    body: dict[str, Any] = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_ERROR" not in codes, body
    return body


async def ask_each(
    world: NodeWorld, caller: Caller, document: str, object_ids: list[str | list[str]]
) -> list[dict[str, Any]]:
    """`ask` for each id: a query's at once (reading changes nothing, so no answer can depend
    on another), a mutation's in turn."""
    if document.lstrip().startswith("query"):
        return list(await asyncio.gather(*(ask(world, caller, document, i) for i in object_ids)))
    return [await ask(world, caller, document, object_id) for object_id in object_ids]


INTRUDERS = ("anonymous", "borrower", "investor", "merchant", "merchant_key", "operator")


def _intruder_cases() -> list[Any]:
    return [
        pytest.param(check, intruder, id=f"{check.name}-{intruder}")
        for check in BY_ID
        for intruder in INTRUDERS
        if not (intruder == "operator" and check.operator_may)
    ]


@pytest.mark.parametrize(("check", "intruder"), _intruder_cases())
async def test_anothers_object_looks_exactly_like_a_missing_one(
    world: NodeWorld, check: ById, intruder: str
) -> None:
    caller = world.intruders[intruder]

    theirs, missing = await ask_each(
        world, caller, check.document, [world.ids[check.type_name], missing_id(check.type_name)]
    )

    assert theirs == missing


@pytest.mark.parametrize("check", [c for c in BY_ID if c.reads], ids=lambda c: c.name)
async def test_the_ids_are_real_their_owner_sees_them(world: NodeWorld, check: ById) -> None:
    """The control for the test above: the same request by the owner finds the object."""
    seen, missing = await ask_each(
        world,
        world.owner,
        check.document,
        [world.ids[check.type_name], missing_id(check.type_name)],
    )

    assert seen != missing
    assert seen["data"][next(iter(seen["data"]))] is not None


LISTS = """query Lists {
  kycSubmissions(first: 100) { id participantId legalName documentNumberMasked }
  pending: kycSubmissions(first: 100, status: PENDING) { id }
  apiKeys { id prefix }
  webhookEndpoints { id url }
  webhookDeliveries(first: 100) { nodes { id body } }
}"""
# Apart: a refusal here (not a person) must not blank the lists above.
SHOPPER_LISTS = "{ bnplPlans { id price { amount } installments { number } } }"
OPERATOR_LISTS = """query OperatorLists {
  participants(first: 100) { nodes { id } }
  auditLog(first: 100) { nodes { action actorId targetId } }
}"""


async def _lists(world: NodeWorld, caller: Caller) -> list[dict[str, Any]]:
    return [
        await gql(world.client, LISTS, token=caller.token),
        await gql(world.client, OPERATOR_LISTS, token=caller.token),
        await gql(world.client, SHOPPER_LISTS, token=caller.token),
    ]


@pytest.mark.parametrize("intruder", ["anonymous", "borrower", "merchant", "merchant_key"])
async def test_anothers_objects_never_show_in_lists(world: NodeWorld, intruder: str) -> None:
    caller = world.intruders[intruder]
    before = await _lists(world, caller)

    await world.new_owner()
    after = await _lists(world, caller)

    assert after == before


async def test_the_operators_key_list_is_their_own_too(world: NodeWorld) -> None:
    before = await gql(world.client, "{ apiKeys { id } }", token=world.operator.token)

    await world.new_owner()
    after = await gql(world.client, "{ apiKeys { id } }", token=world.operator.token)

    assert after == before == {"data": {"apiKeys": []}}


def _malformed_cases() -> list[Any]:
    return [
        pytest.param(check, caller, id=f"{check.name}-{caller}")
        for check in BY_ID
        for caller in ("anonymous", "borrower", "merchant_key", "operator")
    ]


@pytest.mark.parametrize(("check", "caller_name"), _malformed_cases())
async def test_a_malformed_id_is_just_a_missing_one(
    world: NodeWorld, check: ById, caller_name: str
) -> None:
    caller = world.intruders[caller_name]
    malformed = malformed_ids(check.type_name)
    missing, *bodies = map(
        without_messages,
        await ask_each(
            world, caller, check.document, [missing_id(check.type_name), *malformed.values()]
        ),
    )

    answers = dict(zip(malformed, bodies, strict=True))

    assert {name: answer for name, answer in answers.items() if answer != missing} == {}


CONTACT = "{ id email phone }"


async def test_contact_details_show_to_their_owner_and_the_operator(world: NodeWorld) -> None:
    owner, ids = await world.new_owner()
    expected = {"id": ids["Participant"], "email": owner.email}
    operator = world.operator.token

    by_owner = await gql(world.client, f"{{ me {CONTACT} }}", token=owner.token)
    by_operator = await gql(
        world.client,
        f"""query Q($id: ID!) {{
          participant(id: $id) {CONTACT}
          node(id: $id) {{ ... on Participant {CONTACT} }}
          participants(first: 100) {{ nodes {CONTACT} }}
        }}""",
        {"id": ids["Participant"]},
        token=operator,
    )
    granted = await gql(
        world.client,
        f"""mutation G($id: ID!) {{ grantRole(participantId: $id, role: INSURER) {{
              participant {CONTACT} }} }}""",
        {"id": ids["Participant"]},
        token=operator,
    )

    me = by_owner["data"]["me"]
    assert me["email"] == owner.email
    assert me["phone"].startswith("+86139")
    phone = me["phone"]
    data = by_operator["data"]
    listed = [p for p in data["participants"]["nodes"] if p["id"] == ids["Participant"]]
    for seen in (
        data["participant"],
        data["node"],
        *listed,
        granted["data"]["grantRole"]["participant"],
    ):
        assert seen == {**expected, "phone": phone}


async def test_signing_in_shows_the_contacts_of_whoever_proved_the_password(
    world: NodeWorld,
) -> None:
    """Whoever sends the right password is that participant, whatever token came with it."""
    owner, ids = await world.new_owner()
    other = world.intruders["borrower"]
    log_in = f"""mutation L($input: LogInInput!) {{
      logIn(input: $input) {{ participant {CONTACT} errors {{ code }} }} }}"""

    seen = await gql(
        world.client,
        log_in,
        {"input": {"login": owner.email, "password": PASSWORD}},
        token=other.token,
    )

    participant = seen["data"]["logIn"]["participant"]
    assert participant["id"] == ids["Participant"]
    assert participant["email"] == owner.email
    assert seen["data"]["logIn"]["errors"] == []


async def test_a_participant_id_never_opens_another_type(world: NodeWorld) -> None:
    """The same UUID under another type name is another (missing) object."""
    owner_key = world.ids["Participant"]
    raw = base64.urlsafe_b64decode(owner_key).decode().partition(":")[2]
    query = "query Q($id: ID!) { node(id: $id) { id } }"

    for type_name in ("KycSubmission", "ApiKey", "AuditEntry"):
        body = await gql(
            world.client, query, {"id": global_id(type_name, raw)}, token=world.operator.token
        )
        assert body == {"data": {"node": None}}


# Every Node type: its object through node and nodes, to whoever its own query shows it, and
# to nobody else.
NODE = "query Q($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query Q($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


def id_type(global_id_: str) -> str:
    return base64.urlsafe_b64decode(global_id_).decode().partition(":")[0]


def node_type_names() -> set[str]:
    schema = build_schema()._schema
    node = schema.get_type("Node")
    return {t.name for t in schema.get_possible_types(node)}  # type: ignore[arg-type]


NODE_TYPES = sorted(node_type_names())


def _seers(world: NodeWorld, type_name: str) -> list[Caller]:
    found = world.nodes[type_name]
    if found.public:
        named = [c for n, c in world.intruders.items() if n != "anonymous" or found.anonymous_too]
        return [world.owner, *named]
    return found.entitled


def _blind(world: NodeWorld, type_name: str) -> list[str]:
    found = world.nodes[type_name]
    if found.anonymous_too:
        return []
    if found.public:
        return ["anonymous"]
    return [n for n, c in world.intruders.items() if c not in found.entitled]


async def test_every_node_type_has_a_row_in_the_table(world: NodeWorld) -> None:
    """A new Node type fails here until the world holds one of its objects and says who may
    see it."""
    assert set(world.nodes) == node_type_names()
    assert sorted(registered_id_types().values()) == sorted(node_type_names())


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_whoever_its_query_shows_it_to_finds_it_by_node_and_nodes(
    world: NodeWorld, type_name: str
) -> None:
    object_id = world.nodes[type_name].id
    expected = {"__typename": type_name, "id": object_id}

    async def check(caller: Caller) -> None:
        by_node, by_nodes = await asyncio.gather(
            ask(world, caller, NODE, object_id),
            ask(world, caller, NODES, [object_id, missing_id(id_type(object_id))]),
        )

        assert by_node == {"data": {"node": expected}}, caller.name
        assert by_nodes == {"data": {"nodes": [expected, None]}}, caller.name

    await asyncio.gather(*map(check, _seers(world, type_name)))


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_anyone_else_gets_exactly_what_a_missing_id_gets(
    world: NodeWorld, type_name: str
) -> None:
    object_id = world.nodes[type_name].id
    missing = missing_id(id_type(object_id))

    async def check(name: str) -> None:
        caller = world.intruders[name]
        theirs, none, theirs_in_a_list, none_in_a_list = await asyncio.gather(
            ask(world, caller, NODE, object_id),
            ask(world, caller, NODE, missing),
            ask(world, caller, NODES, [object_id]),
            ask(world, caller, NODES, [missing]),
        )

        assert theirs == none == {"data": {"node": None}}, name
        assert theirs_in_a_list == none_in_a_list == {"data": {"nodes": [None]}}, name

    await asyncio.gather(*map(check, _blind(world, type_name)))


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_an_id_never_opens_another_type(world: NodeWorld, type_name: str) -> None:
    """The key of an object under any other type's name names nothing, even to its owner."""
    object_id = world.nodes[type_name].id
    key = key_of(object_id)
    others = [global_id(t, key) for t in registered_id_types() if t != id_type(object_id)]

    seers = _seers(world, type_name)
    bodies = await asyncio.gather(*(ask(world, caller, NODES, others) for caller in seers))

    for caller, body in zip(seers, bodies, strict=True):
        assert body == {"data": {"nodes": [None] * len(others)}}, caller.name


async def test_nodes_answers_in_the_order_asked_with_null_for_every_kind_of_nothing(
    world: NodeWorld,
) -> None:
    mine = [world.nodes[t].id for t in NODE_TYPES if world.owner in _seers(world, t)]
    theirs = world.nodes["Loan"].id  # the borrower's, not the owner's
    nothing = [missing_id("Loan"), "%%not-base64%%", global_id("NoSuchType", uuid.uuid4())]
    ids = [nothing[0], *mine, theirs, *nothing[1:], mine[0]]

    body = await ask(world, world.owner, NODES, ids)

    found = [None if n is None else n["id"] for n in body["data"]["nodes"]]
    assert found == [None, *mine, None, None, None, mine[0]]


async def test_nodes_refuses_more_ids_than_a_page_holds(world: NodeWorld) -> None:
    body = await ask(world, world.owner, NODES, [missing_id("Loan")] * 1000)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
