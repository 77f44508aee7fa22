"""Over GraphQL: a borrower reads what paying off costs today and pays it with repayLoan;
anyone else gets null."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.participants.roles import Role
from graph.relay import to_global_id
from support.graphql import gql
from support.lending_life import disbursed_loan
from support.lending_world import fund_wallet
from support.security import create_person, key_of

QUOTE = """query Q($id: ID!) { loanPayoffQuote(loanId: $id) {
  on total { amount currency } principal { amount } interest { amount } waived { amount }
  loan { state } } }"""
REPAY = """mutation R($id: ID!, $amount: String!) {
  repayLoan(input: {loanId: $id, amount: $amount, currency: "CNY", prepay: true},
            idempotencyKey: "off") {
    applied { amount } loan { state } errors { code field } } }"""


async def test_a_borrower_pays_off_the_quoted_amount_and_the_rest_stays(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = app.state.services.stores.sessions
    clock = FixedClock(datetime.now(UTC))
    person = await create_person(app, "Payoff", roles=["BORROWER"])
    other = await create_person(app, "Other", roles=["BORROWER"])
    assert person.id
    borrower = Actor(
        ActorKind.PERSON, participant_id=key_of(person.id), roles=frozenset({Role.BORROWER})
    )
    loan, _, _ = await disbursed_loan(
        sessions, clock, borrower=borrower, principal=100_000, shares=(50_000, 50_000)
    )
    await fund_wallet(sessions, clock, key_of(person.id), 10_000)
    loan_id = to_global_id("Loan", loan.id)

    quote = (await gql(client, QUOTE, {"id": loan_id}, token=person.token))["data"]
    theirs = (await gql(client, QUOTE, {"id": loan_id}, token=other.token))["data"]
    paid = await gql(client, REPAY, {"id": loan_id, "amount": "1050.00"}, token=person.token)

    assert theirs["loanPayoffQuote"] is None
    found = quote["loanPayoffQuote"]
    assert found["total"] == {"amount": "1000.00", "currency": "CNY"}  # no interest run yet
    assert (found["principal"]["amount"], found["interest"]["amount"]) == ("1000.00", "0.00")
    assert found["loan"]["state"] == "ACTIVE"
    assert found["waived"]["amount"] != "0.00"
    assert paid["data"]["repayLoan"] == {
        "applied": {"amount": "1000.00"},
        "loan": {"state": "CLOSED"},
        "errors": [],
    }
