"""Partner banks post, revise (by version), withdraw and list funding offers with an API key."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from support.graphql import gql
from support.lending import CREATE_OFFER, OFFER_FIELDS, offer_input, partner_bank
from support.security import Caller, create_person

UPDATE_OFFER = f"""
mutation UpdateOffer($id: ID!, $version: Int!, $input: FundingOfferInput!) {{
  updateFundingOffer(id: $id, version: $version, input: $input) {{
    offer {{ {OFFER_FIELDS} }} errors {{ code field message }}
  }}
}}
"""
WITHDRAW_OFFER = """
mutation Withdraw($id: ID!) {
  withdrawFundingOffer(id: $id) { offer { id status version } errors { code field } }
}
"""
MY_OFFERS = "query MyOffers { myFundingOffers { id status capacity { amount } } }"


async def _operator(app: Starlette) -> Caller:
    return await create_person(app, "Operator", roles=["OPERATOR"])


async def test_a_bank_posts_an_offer_once_per_idempotency_key(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    _, key = await partner_bank(app, client, await _operator(app))
    variables = {"input": offer_input(), "key": "offer-1"}

    first = (await gql(client, CREATE_OFFER, variables, token=key))["data"]["createFundingOffer"]
    again = (await gql(client, CREATE_OFFER, variables, token=key))["data"]["createFundingOffer"]

    assert first["errors"] == []
    offer = first["offer"]
    assert offer["status"] == "OPEN"
    assert offer["version"] == 1
    assert offer["capacity"] == {"amount": "1000000.00", "currency": "CNY"}
    assert offer["committed"] == {"amount": "0.00"}
    assert offer["rateFloor"] == "0.06"
    assert offer["spread"] is None
    assert offer["grades"] == ["A", "B", "C"]
    assert again["offer"]["id"] == offer["id"]
    listed = (await gql(client, MY_OFFERS, token=key))["data"]["myFundingOffers"]
    assert [o["id"] for o in listed] == [offer["id"]]


async def test_every_invalid_term_is_reported_at_once(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    _, key = await partner_bank(app, client, await _operator(app))
    bad = offer_input(
        capacity="0", rateFloor="0.05", spread="0.01", grades=[], minTermMonths=12, maxTermMonths=6
    )

    payload = (await gql(client, CREATE_OFFER, {"input": bad, "key": "bad"}, token=key))["data"][
        "createFundingOffer"
    ]

    assert payload["offer"] is None
    assert {e["field"] for e in payload["errors"]} == {
        "capacity",
        "rateFloor",
        "grades",
        "maxTermMonths",
    }


async def test_updates_need_the_current_version_and_withdrawal_ends_the_offer(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    _, key = await partner_bank(app, client, await _operator(app))
    created = await gql(client, CREATE_OFFER, {"input": offer_input(), "key": "o"}, token=key)
    offer_id = created["data"]["createFundingOffer"]["offer"]["id"]
    revised = offer_input(capacity="2000000.00", rateFloor=None, spread="0.02")

    updated = await gql(
        client, UPDATE_OFFER, {"id": offer_id, "version": 1, "input": revised}, token=key
    )
    stale = await gql(
        client, UPDATE_OFFER, {"id": offer_id, "version": 1, "input": revised}, token=key
    )
    withdrawn = await gql(client, WITHDRAW_OFFER, {"id": offer_id}, token=key)

    offer = updated["data"]["updateFundingOffer"]["offer"]
    assert offer["version"] == 2
    assert offer["capacity"]["amount"] == "2000000.00"
    assert offer["rateFloor"] is None
    assert offer["spread"] == "0.02"
    assert stale["data"]["updateFundingOffer"]["errors"][0]["code"] == "VERSION_CONFLICT"
    assert withdrawn["data"]["withdrawFundingOffer"]["offer"] == {
        "id": offer_id,
        "status": "WITHDRAWN",
        "version": 3,
    }


async def test_only_the_offering_bank_sees_or_changes_its_offer(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await _operator(app)
    _, key = await partner_bank(app, client, operator)
    _, other_key = await partner_bank(app, client, operator, name="OtherBank")
    investor = await create_person(app, "Investor", roles=["INVESTOR"])
    created = await gql(client, CREATE_OFFER, {"input": offer_input(), "key": "o"}, token=key)
    offer_id = created["data"]["createFundingOffer"]["offer"]["id"]

    by_other = await gql(client, WITHDRAW_OFFER, {"id": offer_id}, token=other_key)
    by_investor = await gql(
        client, CREATE_OFFER, {"input": offer_input(), "key": "x"}, token=investor.token
    )

    assert by_other["data"]["withdrawFundingOffer"]["errors"][0]["code"] == "NOT_FOUND"
    assert by_investor["data"]["createFundingOffer"]["errors"][0]["code"] == "FORBIDDEN"
    listed = (await gql(client, MY_OFFERS, token=other_key))["data"]["myFundingOffers"]
    assert listed == []
