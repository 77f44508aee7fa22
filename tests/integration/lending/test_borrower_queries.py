"""myLoans with schedules, next due and notes, and the mobile home screen around it: N+1-free,
the statements for 50 loans are those for 5; a borrower sees only their own loans."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.participants.roles import Role
from support.graphql import gql
from support.lending_life import disbursed_loan
from support.lending_world import fund_wallet, participant
from support.security import Caller, create_person, key_of
from support.statements import statements_sent

MY_LOANS = """query MyLoans { myLoans { id state principal { amount }
  nextDue { number dueDate outstanding { amount } }
  installments { number principal { amount } interest { amount } bucket }
  notes { principal { amount } status }
  matches { amount { amount } explanation { rank passedOver { reason count } } } } }"""

# What the mobile app's home screen asks in one request: the document bench/home_screen.py
# measures (issue 25). myLoans has no `first`: the whole list.
HOME_SCREEN = (Path(__file__).parents[3] / "bench" / "home_screen.graphql").read_text()


async def _borrowers_with_5_and_50_loans(app: Starlette) -> tuple[Caller, Caller]:
    """Two borrowers: one with 5 disbursed loans, one with 50; each loan has 12 installments
    and two investors' notes."""
    sessions = app.state.services.stores.sessions
    clock = FixedClock(datetime.now(UTC))
    few = await create_person(app, "Few", roles=["BORROWER"])
    many = await create_person(app, "Many", roles=["BORROWER"])
    # The same two investors fund every loan: 110 people made and funded cost more than the
    # queries they serve, and whose a note is changes nothing of what myLoans reads.
    investors = [await participant(sessions, clock, {Role.INVESTOR}) for _ in range(2)]
    for investor in investors:
        assert investor.participant_id
        await fund_wallet(sessions, clock, investor.participant_id, 55 * 50_000)
    for person, count in ((few, 5), (many, 50)):
        assert person.id
        actor = Actor(
            ActorKind.PERSON, participant_id=key_of(person.id), roles=frozenset({Role.BORROWER})
        )
        for _ in range(count):
            await disbursed_loan(
                sessions,
                clock,
                borrower=actor,
                principal=100_000,
                shares=(50_000, 50_000),
                investors=investors,
            )
    return few, many


def _tables_read(statements: list[str]) -> list[str]:
    """Each statement by what it reads, sorted: the loaders run concurrently, in no fixed
    order."""
    return sorted(statement.split(" FROM ")[-1][:60] for statement in statements)


async def test_my_loans_and_the_home_screen_cost_the_same_statements_for_5_or_50(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given a borrower with 5 loans and one with 50 (built once: 55 loans are the test's cost)
    few, many = await _borrowers_with_5_and_50_loans(app)
    other = await create_person(app, "Other", roles=["BORROWER"])
    engine = app.state.services.stores.engine

    async def my_loans(token: str | None, expected: int) -> list[str]:
        with statements_sent(engine) as sent:
            body = await gql(client, MY_LOANS, token=token)
        assert "data" in body, body
        loans = body["data"]["myLoans"]
        assert len(loans) == expected
        assert all(len(loan["installments"]) == 12 for loan in loans)
        assert all(len(loan["notes"]) == 2 for loan in loans)
        assert all(loan["nextDue"]["number"] == 1 for loan in loans)
        assert all(loan["matches"] == [] for loan in loans)  # funded by investors' purchases
        return _tables_read(sent)

    async def home_screen(caller: Caller) -> tuple[dict[str, Any], list[str]]:
        with statements_sent(engine) as sent:
            body = await gql(client, HOME_SCREEN, token=caller.token)
        assert "errors" not in body, body
        return body["data"], _tables_read(sent)

    # then myLoans for 50 costs the statements it costs for 5 (lists: a failure names the
    # statement that differs), and another borrower sees none of them
    assert await my_loans(few.token, 5) == await my_loans(many.token, 50)
    assert (await gql(client, MY_LOANS, token=other.token))["data"]["myLoans"] == []

    # and the home screen (bench/home_screen.graphql) shows each their own profile, wallet and
    # loans with schedules and notes
    five, five_sent = await home_screen(few)
    fifty, fifty_sent = await home_screen(many)
    for caller, data, count in ((few, five, 5), (many, fifty, 50)):
        assert data["me"]["id"] == caller.id
        assert [wallet["currency"] for wallet in data["wallets"]] == ["CNY"]
        assert len(data["myLoans"]) == count
        assert all(len(loan["installments"]) == 12 for loan in data["myLoans"])
        assert all(len(loan["notes"]) == 2 for loan in data["myLoans"])
    # in the very statements for 50 loans as for 5: me, wallets, the loans, their
    # installments, their notes, one statement each
    assert fifty_sent == five_sent
    assert len(five_sent) == 5, five_sent
