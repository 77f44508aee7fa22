"""myLoans with schedules, next due and notes: N+1-free, the statements for 50 loans are
those for 5; a borrower sees only their own loans."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import event
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.participants.roles import Role
from support.graphql import gql
from support.lending_life import disbursed_loan
from support.lending_world import fund_wallet, participant
from support.security import create_person, key_of

MY_LOANS = """query MyLoans { myLoans { id state principal { amount }
  nextDue { number dueDate outstanding { amount } }
  installments { number principal { amount } interest { amount } bucket }
  notes { principal { amount } status }
  matches { amount { amount } explanation { rank passedOver { reason count } } } } }"""


async def test_my_loans_cost_the_same_statements_for_5_or_50(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = app.state.services.stores.sessions
    clock = FixedClock(datetime.now(UTC))
    few = await create_person(app, "Few", roles=["BORROWER"])
    many = await create_person(app, "Many", roles=["BORROWER"])
    other = await create_person(app, "Other", roles=["BORROWER"])
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
    engine = app.state.services.stores.engine

    async def statements_for(token: str | None, expected: int) -> list[str]:
        statements: list[str] = []

        def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement.split(" FROM ")[-1][:60])

        event.listen(engine.sync_engine, "before_cursor_execute", seen)
        try:
            body = await gql(client, MY_LOANS, token=token)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        loans = body["data"]["myLoans"]
        assert len(loans) == expected
        assert all(len(loan["installments"]) == 12 for loan in loans)
        assert all(len(loan["notes"]) == 2 for loan in loans)
        assert all(loan["nextDue"]["number"] == 1 for loan in loans)
        assert all(loan["matches"] == [] for loan in loans)  # funded by investors' purchases
        return sorted(statements)  # the loaders run concurrently: their order varies

    # Compared as lists so a failure names the statement that differs.
    assert await statements_for(few.token, 5) == await statements_for(many.token, 50)
    assert (await gql(client, MY_LOANS, token=other.token))["data"]["myLoans"] == []
