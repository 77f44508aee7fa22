"""Investors browse the notes on sale over GraphQL: newest first in Relay pages, narrowed by
grade, note rate and price, their own sales marked (and left out on request)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette

from domain.clock import FixedClock
from graph.relay import to_global_id
from support.graphql import gql
from support.lending_world import fund_wallet, listed_loan, product_row
from support.security import Caller, create_person, key_of

NOTES_FOR_SALE = """
query Sales($filter: NoteSaleFilterInput, $first: Int, $after: String) {
  notesForSale(filter: $filter, first: $first, after: $after) {
    edges { node { id grade termMonths annualRate yours price { amount currency }
                   outstandingPrincipal { amount } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
BUY = """mutation Buy($input: BuyNoteInput!, $key: String!) {
  buyNote(input: $input, idempotencyKey: $key) { noteId errors { code } } }"""
LIST = """mutation List($input: ListNoteForSaleInput!) {
  listNoteForSale(input: $input) { sale { id } errors { code field } } }"""


async def _sell(client: httpx.AsyncClient, seller: Caller, note_id: str, price: str) -> str:
    wanted = {"input": {"noteId": note_id, "price": price, "currency": "CNY"}}
    listed = await gql(client, LIST, wanted, token=seller.token)
    assert listed["data"]["listNoteForSale"]["errors"] == []
    return str(listed["data"]["listNoteForSale"]["sale"]["id"])


async def _market(app: Starlette, client: httpx.AsyncClient) -> tuple[Caller, Caller, Caller]:
    """Two loans (grade A at 8 %, grade C at 15 %), each funded 6,000 by `first` and 4,000 by
    `second`, every note then listed at its outstanding principal: (first, second, browser)."""
    sessions = app.state.services.stores.sessions
    clock = FixedClock(datetime.now(UTC))
    borrower = await create_person(app, "Borrower", roles=["BORROWER"])
    first, second, browser = [
        await create_person(app, name, roles=["INVESTOR"])
        for name in ("First", "Second", "Browser")
    ]
    for investor in (first, second):
        assert investor.id
        await fund_wallet(sessions, clock, key_of(investor.id), 2_000_000)
    assert borrower.id
    for grade, rate in [("A", "0.08"), ("C", "0.15")]:
        product = product_row(clock.now(), max_investor_share=Decimal(1))
        loan = await listed_loan(
            sessions, clock, key_of(borrower.id), grade=grade, rate=Decimal(rate), product=product
        )
        notes = []
        for investor, amount in [(first, "6000.00"), (second, "4000.00")]:
            purchase = {
                "loanId": to_global_id("Loan", loan.id),
                "amount": amount,
                "currency": "CNY",
            }
            bought = await gql(
                client, BUY, {"input": purchase, "key": f"{grade}-{amount}"}, token=investor.token
            )
            assert bought["data"]["buyNote"]["errors"] == []
            notes.append((investor, bought["data"]["buyNote"]["noteId"], amount))
        # Fully funded, the loan disburses and its notes become holdings that can be sold.
        for investor, note_id, amount in notes:
            await _sell(client, investor, note_id, amount)
    return first, second, browser


async def _nodes(client: httpx.AsyncClient, caller: Caller, **variables: Any) -> list[Any]:
    body = await gql(client, NOTES_FOR_SALE, variables, token=caller.token)
    return [edge["node"] for edge in body["data"]["notesForSale"]["edges"]]


async def test_notes_on_sale_page_newest_first_and_filter_by_grade_rate_and_price(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    _, _, browser = await _market(app, client)

    page_one = (await gql(client, NOTES_FOR_SALE, {"first": 3}, token=browser.token))["data"]
    cursor = page_one["notesForSale"]["pageInfo"]["endCursor"]
    page_two = await _nodes(client, browser, first=3, after=cursor)
    every = [edge["node"] for edge in page_one["notesForSale"]["edges"]] + page_two

    assert page_one["notesForSale"]["pageInfo"]["hasNextPage"]
    # Newest first: the grade C loan's sales were listed last, the 4,000 one after the 6,000.
    assert [(n["grade"], n["price"]["amount"]) for n in every] == [
        ("C", "4000.00"),
        ("C", "6000.00"),
        ("A", "4000.00"),
        ("A", "6000.00"),
    ]
    assert len({n["id"] for n in every}) == 4
    assert all(n["termMonths"] == 12 and not n["yours"] for n in every)
    assert all(n["price"]["amount"] == n["outstandingPrincipal"]["amount"] for n in every)

    graded = await _nodes(client, browser, filter={"grades": ["C"]})
    assert [n["grade"] for n in graded] == ["C", "C"]
    # The notes earn the borrower rate less the platform's spread: only grade C's beat 10 %.
    rated = await _nodes(client, browser, filter={"minRate": "0.10"})
    assert {n["id"] for n in rated} == {n["id"] for n in graded}
    assert all(Decimal(n["annualRate"]) >= Decimal("0.10") for n in rated)
    cheap = await _nodes(client, browser, filter={"currency": "CNY", "maxPrice": "5000.00"})
    assert [n["price"]["amount"] for n in cheap] == ["4000.00", "4000.00"]
    assert await _nodes(client, browser, filter={"currency": "CNY", "maxPrice": "3999.99"}) == []


async def test_a_seller_sees_its_own_sales_marked_and_can_leave_them_out(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    first, second, _ = await _market(app, client)

    mine = [n for n in await _nodes(client, first) if n["yours"]]
    others = await _nodes(client, first, filter={"othersOnly": True})

    assert [n["price"]["amount"] for n in mine] == ["6000.00", "6000.00"]
    assert [n["price"]["amount"] for n in others] == ["4000.00", "4000.00"]
    assert not any(n["yours"] for n in others)
    assert {n["id"] for n in await _nodes(client, second) if n["yours"]} == {
        n["id"] for n in others
    }


async def test_a_price_ceiling_without_its_currency_is_refused(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    browser = await create_person(app, "Browser", roles=["INVESTOR"])

    refused = await gql(
        client, NOTES_FOR_SALE, {"filter": {"maxPrice": "10.00"}}, token=browser.token
    )
    unknown = await gql(
        client,
        NOTES_FOR_SALE,
        {"filter": {"currency": "XXX", "maxPrice": "1"}},
        token=browser.token,
    )

    assert refused["data"] is None
    assert refused["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "maxPrice"}
    assert unknown["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
