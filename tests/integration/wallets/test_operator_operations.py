"""Operator adjustments and holds over GraphQL, with the audit trail they leave."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from domain.ledger.services.verification import verify_ledger
from support.graphql import Person, gql, signed_in

ADJUST = """
mutation A($input: AdjustWalletInput!, $key: String!) {
  adjustWallet(input: $input, idempotencyKey: $key) { journalId errors { code field message } }
}
"""
CREATE = """
mutation H($input: CreateHoldInput!, $key: String!) {
  createHold(input: $input, idempotencyKey: $key) { holdId status errors { code field } }
}
"""
CAPTURE = """
mutation C($id: ID!, $key: String!, $amount: String) {
  captureHold(holdId: $id, idempotencyKey: $key, amount: $amount, currency: "CNY") {
    holdId status errors { code }
  }
}
"""
RELEASE = """
mutation R($id: ID!, $key: String!) {
  releaseHold(holdId: $id, idempotencyKey: $key) { holdId status errors { code } }
}
"""
WALLET = "{ wallets { available { amount } held { amount } } }"


async def adjust(
    client: httpx.AsyncClient,
    by: Person,
    who: Person,
    amount: str,
    key: str,
    reason: str = "refund of a duplicate card charge",
) -> dict:
    variables = {
        "input": {"participantId": who.id, "amount": amount, "currency": "CNY", "reason": reason},
        "key": key,
    }
    return (await gql(client, ADJUST, variables, token=by.access_token))["data"]["adjustWallet"]


async def wallet(client: httpx.AsyncClient, who: Person) -> dict:
    return (await gql(client, WALLET, token=who.access_token))["data"]["wallets"][0]


async def test_operators_adjust_wallets_with_an_audited_reason(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])

    credit = await adjust(client, operator, person, "100.00", "adj-1")
    debit = await adjust(client, operator, person, "-30.00", "adj-2")
    overdraw = await adjust(client, operator, person, "-500.00", "adj-3")
    by_person = await adjust(client, person, person, "1000.00", "adj-4")
    terse = await adjust(client, operator, person, "1.00", "adj-5", reason="oops")
    audit = await gql(
        client,
        '{ auditLog(action: "wallet.adjust") { nodes { details } } }',
        token=operator.access_token,
    )

    assert credit["errors"] == debit["errors"] == []
    assert (await wallet(client, person))["available"] == {"amount": "70.00"}
    assert overdraw["errors"][0]["code"] == "INSUFFICIENT_FUNDS"
    assert by_person["errors"][0]["code"] == "FORBIDDEN"
    assert terse["errors"][0]["field"] == "reason"
    reasons = {n["details"]["reason"] for n in audit["data"]["auditLog"]["nodes"]}
    assert reasons == {"refund of a duplicate card charge"}
    async with app.state.stores.sessions() as session:
        assert (await verify_ledger(session)).consistent


async def hold(
    client: httpx.AsyncClient, operator: Person, who: Person, amount: str, key: str
) -> dict:
    variables = {
        "input": {
            "participantId": who.id,
            "amount": amount,
            "currency": "CNY",
            "reason": "note purchase pending funding",
        },
        "key": key,
    }
    return (await gql(client, CREATE, variables, token=operator.access_token))["data"]["createHold"]


async def resolve(
    client: httpx.AsyncClient, operator: Person, query: str, **variables: str
) -> dict:
    body = await gql(client, query, variables, token=operator.access_token)
    return next(iter(body["data"].values()))


async def test_a_hold_is_created_captured_in_part_and_resolves_once(
    client: httpx.AsyncClient, operator: Person
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    await adjust(client, operator, person, "100.00", "fund-1")

    created = await hold(client, operator, person, "80.00", "hold-1")
    held = await wallet(client, person)
    captured = await resolve(
        client, operator, CAPTURE, id=created["holdId"], key="cap-1", amount="50.00"
    )
    again = await resolve(client, operator, RELEASE, id=created["holdId"], key="rel-1")

    assert created["status"] == "PENDING"
    assert held == {"available": {"amount": "20.00"}, "held": {"amount": "80.00"}}
    assert captured["status"] == "POSTED"
    after = await wallet(client, person)
    assert after == {"available": {"amount": "50.00"}, "held": {"amount": "0.00"}}
    assert again["errors"][0]["code"] == "HOLD_NOT_PENDING"


async def test_a_released_hold_gives_everything_back(
    client: httpx.AsyncClient, operator: Person
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    await adjust(client, operator, person, "10.00", "fund-2")
    created = await hold(client, operator, person, "10.00", "hold-2")

    released = await resolve(client, operator, RELEASE, id=created["holdId"], key="rel-2")

    assert released["status"] == "VOIDED"
    after = await wallet(client, person)
    assert after == {"available": {"amount": "10.00"}, "held": {"amount": "0.00"}}
