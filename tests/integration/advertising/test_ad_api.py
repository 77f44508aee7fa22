"""Advertising over GraphQL: a promoted fund first and labelled sponsored (to anonymous
callers too), a click counted once and never the advertiser's, the advertiser's daily
figures after the worker's batch, a cancellation's refund; and a promoted loan listing that
changes nothing but the order of the page."""

from __future__ import annotations

import ast
import pathlib
from datetime import timedelta

import httpx
from starlette.applications import Starlette

from domain.advertising.services.charging import charge_placements
from domain.clock import FixedClock, SystemClock
from support.advertising import wallet
from support.graphql import gql
from support.lending_world import fund_wallet, listed_loan
from support.security import create_person, key_of

CREATE_FUND = """mutation F($input: CreateFundInput!) {
  createFund(input: $input) { fund { id } errors { code } } }"""
PLACE = """mutation P($input: CreatePlacementInput!, $key: String!) {
  createPlacement(input: $input, idempotencyKey: $key) {
    placement { id state charged { amount } budget { amount } } errors { code field } } }"""
CANCEL = """mutation C($id: ID!) {
  cancelPlacement(input: {placementId: $id}, idempotencyKey: "stop") {
    placement { state charged { amount } endedAt } errors { code } } }"""
CLICK = """mutation K($id: ID!) {
  clickPromotion(input: {placementId: $id}) { counted itemId errors { code } } }"""
FUNDS = "{ funds { id sponsored promotion { placementId slot label } } }"
MINE = """{ myPlacements { id state charged { amount }
  days { day impressions clicks ctr spend { amount } } } }"""
REVENUE = """query R($day: Date!) { revenue(currency: "CNY", from: $day, to: $day,
  groupBy: BUSINESS_LINE) { lines { key net { amount } } } }"""
LISTINGS = """{ listings(first: 10) {
  edges { cursor node { id sponsored promotion { slot } state noteRate borrowerRate
    remaining { amount } principal { amount } } }
  pageInfo { hasNextPage endCursor } } }"""


def _promotion(placement_id: str, kind: str = "CPC") -> dict[str, object]:
    return {
        "pricing": kind,
        "bid": {"amount": "1.00", "currency": "CNY"},
        "budget": {"amount": "10.00", "currency": "CNY"},
        "endsAt": (SystemClock().now() + timedelta(days=7)).isoformat(),
        "itemId": placement_id,
    }


async def test_a_promoted_fund_is_first_labelled_clicked_charged_and_refunded(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    ours = await create_person(app, "Ours", roles=["ASSET_MANAGER"], kind="BUSINESS")
    theirs = await create_person(app, "Theirs", roles=["ASSET_MANAGER"], kind="BUSINESS")
    viewer = await create_person(app, "Viewer", roles=["INVESTOR"])
    funds = {}
    for manager in (ours, theirs):  # theirs is newer: the list's own order puts it first
        terms = {"name": "Cash", "managerId": manager.id, "managementFeeRate": "0.003"}
        made = await gql(client, CREATE_FUND, {"input": terms}, token=operator.token)
        funds[manager.id] = made["data"]["createFund"]["fund"]["id"]
    sessions = app.state.services.stores.sessions
    await fund_wallet(sessions, FixedClock(SystemClock().now()), key_of(ours.id or ""), 50_00)

    placed = await gql(
        client, PLACE, {"input": _promotion(funds[ours.id]), "key": "ad"}, token=ours.token
    )
    placement = placed["data"]["createPlacement"]["placement"]
    assert placement["state"] == "ACTIVE"
    assert await wallet(sessions, key_of(ours.id or "")) == (40_00, 10_00)

    listed = (await gql(client, FUNDS, token=viewer.token))["data"]["funds"]
    assert [f["id"] for f in listed] == [funds[ours.id], funds[theirs.id]]
    assert listed[0]["sponsored"] is True
    assert listed[0]["promotion"] == {
        "placementId": placement["id"],
        "slot": 0,
        "label": "Sponsored",
    }
    assert (listed[1]["sponsored"], listed[1]["promotion"]) == (False, None)
    anonymous = (await gql(client, FUNDS))["data"]["funds"]
    assert [f["sponsored"] for f in anonymous] == [True, False]

    clicks = [
        (await gql(client, CLICK, {"id": placement["id"]}, token=who.token))["data"][
            "clickPromotion"
        ]
        for who in (viewer, viewer, ours)
    ]
    assert [c["counted"] for c in clicks] == [True, False, False]
    assert clicks[0]["itemId"] == funds[ours.id]

    await charge_placements(sessions, SystemClock())
    [mine] = (await gql(client, MINE, token=ours.token))["data"]["myPlacements"]
    assert mine["charged"]["amount"] == "0.10"  # alone: the reserve price per click
    [day] = mine["days"]
    assert (day["impressions"], day["clicks"], day["ctr"]) == (1, 1, "1.0000")
    assert day["spend"]["amount"] == "0.10"
    assert (await gql(client, MINE, token=viewer.token))["data"]["myPlacements"] == []
    today = {"day": SystemClock().now().date().isoformat()}
    books = await gql(client, REVENUE, today, token=operator.token)
    lines = {line["key"]: line["net"]["amount"] for line in books["data"]["revenue"]["lines"]}
    assert lines["ADVERTISING"] == "0.10"

    stopped = await gql(client, CANCEL, {"id": placement["id"]}, token=viewer.token)
    assert stopped["data"]["cancelPlacement"]["errors"] == [{"code": "NOT_FOUND"}]
    stopped = await gql(client, CANCEL, {"id": placement["id"]}, token=ours.token)
    assert stopped["data"]["cancelPlacement"]["placement"]["state"] == "CANCELLED"
    assert await wallet(sessions, key_of(ours.id or "")) == (50_00 - 10, 0)
    after = (await gql(client, FUNDS, token=viewer.token))["data"]["funds"]
    assert [f["id"] for f in after] == [funds[theirs.id], funds[ours.id]]


def _without_promotion(edge: dict[str, object]) -> dict[str, object]:
    node = dict(edge["node"])  # type: ignore[call-overload]
    node.pop("sponsored")
    node.pop("promotion")
    return {"cursor": edge["cursor"], "node": node}


async def test_promoting_a_loan_changes_only_the_order_of_the_page(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    borrower = await create_person(app, "Borrower", roles=["BORROWER"])
    investor = await create_person(app, "Investor", roles=["INVESTOR"])
    sessions = app.state.services.stores.sessions
    clock = FixedClock(SystemClock().now() - timedelta(minutes=5))
    loans = []
    for _ in range(3):
        loans.append(await listed_loan(sessions, clock, key_of(borrower.id or "")))
        clock.advance(timedelta(seconds=1))
    await fund_wallet(sessions, clock, key_of(borrower.id or ""), 50_00)
    before = (await gql(client, LISTINGS, token=investor.token))["data"]["listings"]
    oldest = before["edges"][-1]["node"]["id"]

    placed = await gql(
        client, PLACE, {"input": _promotion(oldest), "key": "l"}, token=borrower.token
    )
    assert placed["data"]["createPlacement"]["errors"] == []
    after = (await gql(client, LISTINGS, token=investor.token))["data"]["listings"]

    assert after["pageInfo"] == before["pageInfo"]
    assert [e["node"]["id"] for e in after["edges"]] == [
        oldest,
        *[e["node"]["id"] for e in before["edges"][:-1]],
    ]
    assert (after["edges"][0]["node"]["sponsored"], after["edges"][0]["node"]["promotion"]) == (
        True,
        {"slot": 0},
    )
    moved = sorted(map(_without_promotion, after["edges"]), key=str)
    assert moved == sorted(map(_without_promotion, before["edges"]), key=str)


def test_matching_lending_and_pricing_never_read_advertising() -> None:
    """Promotion changes display order only: nothing that matches, funds or prices imports it."""
    root = pathlib.Path(__file__).resolve().parents[3] / "domain"
    for context in ("matching", "lending", "consumer_credit", "wealth", "insurance"):
        for path in (root / context).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith("domain.advertising"), path


def test_every_item_a_list_may_promote_says_whether_it_is_advertising() -> None:
    from graph.schema import build_schema

    sdl = build_schema().as_str()
    for type_name in ("Loan", "Campaign", "Fund", "InsuranceProduct"):
        body = sdl.split(f"type {type_name} implements")[1].split("\n}")[0]
        assert "sponsored: Boolean!" in body, type_name
        assert "promotion: Promotion" in body, type_name
