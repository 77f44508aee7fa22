"""Investors browse listings (filters, Relay pages) and buy notes over GraphQL; reading a
page of loans with their notes costs the same statements for 50 loans as for 5."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import event
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.lending.services.notes import buy_note
from domain.money import Money
from domain.participants.roles import Role
from graph.relay import to_global_id
from support.graphql import gql
from support.lending_world import fund_wallet, listed_loan, product_row
from support.security import Caller, create_person, key_of

LISTINGS = """
query Listings($filter: ListingFilterInput, $first: Int, $after: String) {
  listings(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id grade termMonths noteRate principal { amount }
                          remaining { amount } noteSize { amount } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
BUY = """
mutation Buy($input: BuyNoteInput!, $key: String!) {
  buyNote(input: $input, idempotencyKey: $key) {
    noteId holdId loan { id state committed { amount } remaining { amount } }
    errors { code field message }
  }
}
"""


async def _borrower_and_investor(app: Starlette) -> tuple[Any, FixedClock, UUID, Caller]:
    """The app's sessions, a clock at now, a borrower's id and a funded investor."""
    sessions = app.state.services.stores.sessions
    clock = FixedClock(datetime.now(UTC))
    borrower = await create_person(app, "Borrower", roles=["BORROWER"])
    investor = await create_person(app, "Investor", roles=["INVESTOR"])
    assert borrower.id
    assert investor.id
    await fund_wallet(sessions, clock, key_of(investor.id), 10_000_000)
    return sessions, clock, key_of(borrower.id), investor


async def bought_note(
    sessions: Any, clock: FixedClock, investor: Caller, loan: UUID, key: str
) -> UUID:
    """A 100.00 note of `loan`, bought by the buyNote use case (the tests of a page's
    statements set up 50 of them: through GraphQL the setup cost more than the test)."""
    assert investor.id
    actor = Actor(
        ActorKind.PERSON, participant_id=key_of(investor.id), roles=frozenset({Role.INVESTOR})
    )
    async with sessions() as session:
        bought = await buy_note(
            session=session,
            clock=clock,
            actor=actor,
            loan_id=loan,
            amount=Money(100_00, "CNY"),
            idempotency_key=key,
        )
        await session.commit()
    return bought.note_id


async def test_listings_filter_and_page_and_a_purchase_commits_funds(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions, clock, borrower, investor = await _borrower_and_investor(app)
    for grade, term, rate in [("A", 6, "0.08"), ("B", 12, "0.11"), ("C", 24, "0.15")] * 2:
        await listed_loan(
            sessions, clock, borrower, grade=grade, term_months=term, rate=Decimal(rate)
        )

    page_one = await gql(client, LISTINGS, {"first": 4}, token=investor.token)
    listings = page_one["data"]["listings"]
    page_two = await gql(
        client,
        LISTINGS,
        {"first": 4, "after": listings["pageInfo"]["endCursor"]},
        token=investor.token,
    )
    wanted = {"grades": ["B", "C"], "minRate": "0.09", "maxTermMonths": 12}
    filtered = await gql(client, LISTINGS, {"filter": wanted}, token=investor.token)

    assert len(listings["edges"]) == 4
    assert listings["pageInfo"]["hasNextPage"]
    assert len(page_two["data"]["listings"]["edges"]) == 2
    assert not page_two["data"]["listings"]["pageInfo"]["hasNextPage"]
    chosen = [e["node"] for e in filtered["data"]["listings"]["edges"]]
    assert [(n["grade"], n["termMonths"], n["noteRate"]) for n in chosen] == [("B", 12, "0.09")] * 2
    assert chosen[0]["noteSize"] == {"amount": "50.00"}

    bought = await gql(
        client,
        BUY,
        {"input": {"loanId": chosen[0]["id"], "amount": "2000.00", "currency": "CNY"}, "key": "n1"},
        token=investor.token,
    )
    payload = bought["data"]["buyNote"]
    assert payload["errors"] == []
    assert payload["loan"]["committed"] == {"amount": "2000.00"}
    assert payload["loan"]["remaining"] == {"amount": "8000.00"}
    refused = await gql(
        client,
        BUY,
        {"input": {"loanId": chosen[0]["id"], "amount": "20.00", "currency": "CNY"}, "key": "n2"},
        token=investor.token,
    )
    assert refused["data"]["buyNote"]["errors"][0]["field"] == "amount"


async def test_a_page_of_loans_with_notes_costs_the_same_statements_for_5_or_50(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions, clock, borrower, investor = await _borrower_and_investor(app)
    for n in range(50):
        loan = await listed_loan(sessions, clock, borrower)
        await bought_note(sessions, clock, investor, loan.id, f"k{n}")
    query = """query Q($first: Int) { listings(first: $first) { nodes {
        id noteSize { amount } minInvestment { amount } installments { number }
        notes { principal { amount } status } } } }"""
    engine = app.state.services.stores.engine

    async def statements_for(first: int) -> int:
        count = 0

        def seen(*_args: object) -> None:
            nonlocal count
            count += 1

        event.listen(engine.sync_engine, "before_cursor_execute", seen)
        try:
            body = await gql(client, query, {"first": first}, token=investor.token)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        nodes = body["data"]["listings"]["nodes"]
        assert len(nodes) == first
        assert all(
            node["notes"] == [{"principal": {"amount": "100.00"}, "status": "HELD"}]
            for node in nodes
        )
        return count

    assert await statements_for(5) == await statements_for(50)


async def test_nodes_reads_5_or_50_loans_and_their_notes_in_the_same_statements(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions, clock, borrower, investor = await _borrower_and_investor(app)
    loans = []
    for n in range(50):
        loan = await listed_loan(sessions, clock, borrower)
        loans.append(to_global_id("Loan", loan.id))
        note = await bought_note(sessions, clock, investor, loan.id, f"n{n}")
        loans.append(to_global_id("LoanNote", note))
    query = """query Q($ids: [ID!]!) { nodes(ids: $ids) { id
        ... on Loan { noteSize { amount } notes { status } }
        ... on LoanNote { status } } }"""
    engine = app.state.services.stores.engine

    async def statements_for(count: int) -> int:
        statements = 0

        def seen(*_args: object) -> None:
            nonlocal statements
            statements += 1

        ids = loans[: 2 * count]
        event.listen(engine.sync_engine, "before_cursor_execute", seen)
        try:
            body = await gql(client, query, {"ids": ids}, token=investor.token)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        assert [node["id"] for node in body["data"]["nodes"]] == ids
        return statements

    assert await statements_for(5) == await statements_for(50)


async def test_a_refusal_speaks_money_as_the_schema_does(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given a 10,000.00 CNY loan of which one investor took 6,000.00
    sessions, clock, borrower, first = await _borrower_and_investor(app)
    second = await create_person(app, "Second", roles=["INVESTOR"])
    assert second.id
    await fund_wallet(sessions, clock, key_of(second.id), 10_000_000)
    product = product_row(clock.now(), max_investor_share=Decimal(1))
    loan = to_global_id("Loan", (await listed_loan(sessions, clock, borrower, product=product)).id)
    taken = await gql(
        client,
        BUY,
        {"input": {"loanId": loan, "amount": "6000.00", "currency": "CNY"}, "key": "first"},
        token=first.token,
    )
    assert taken["data"]["buyNote"]["errors"] == []

    # when another asks for more than is left
    refused = await gql(
        client,
        BUY,
        {"input": {"loanId": loan, "amount": "5000.00", "currency": "CNY"}, "key": "second"},
        token=second.token,
    )

    # then the message says how much, as a decimal string with its currency
    [error] = refused["data"]["buyNote"]["errors"]
    assert (error["code"], error["field"]) == ("FUNDING_REFUSED", "amount")
    assert error["message"] == "only 4000.00 CNY is left to fund"


BUY_MARKED = """
mutation Buy($input: BuyNoteInput!, $key: String!) {
  buyNote(input: $input, idempotencyKey: $key) {
    noteId errors { code field message } idempotency { key replayed firstSeenAt }
  }
}
"""


async def test_a_replayed_refusal_says_it_is_a_replay_and_is_otherwise_the_same(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given an investor with too little money, refused for a note
    sessions, clock, borrower, _ = await _borrower_and_investor(app)
    poor = await create_person(app, "Poor", roles=["INVESTOR"])
    assert poor.id
    loan = to_global_id("Loan", (await listed_loan(sessions, clock, borrower)).id)
    ask = {"input": {"loanId": loan, "amount": "100.00", "currency": "CNY"}, "key": "buy-1"}
    first = (await gql(client, BUY_MARKED, ask, token=poor.token))["data"]["buyNote"]
    assert [e["code"] for e in first["errors"]] == ["INSUFFICIENT_FUNDS"]

    # when they deposit, then retry with the same key
    await fund_wallet(sessions, clock, key_of(poor.id), 1_000_000)
    again = (await gql(client, BUY_MARKED, ask, token=poor.token))["data"]["buyNote"]
    fresh = await gql(client, BUY_MARKED, {**ask, "key": "buy-2"}, token=poor.token)

    # then the stored refusal comes back, saying it is a replay of the first answer
    assert first["idempotency"]["replayed"] is False
    assert again["idempotency"] == {**first["idempotency"], "replayed": True}
    assert again == {**first, "idempotency": again["idempotency"]}
    # and a new key is a new request
    bought = fresh["data"]["buyNote"]
    assert bought["errors"] == []
    assert (bought["idempotency"]["key"], bought["idempotency"]["replayed"]) == ("buy-2", False)
