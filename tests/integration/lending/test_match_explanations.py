"""A match's explanation accounts for every source: the engine's fill, what it read and
refused, what it left unread, and every open offer or rule that cannot take the loan at all
(another grade, term or currency, expired, full, asking more than the loan pays)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from starlette.applications import Starlette

from domain.clock import FixedClock
from domain.lending.services.matching import match_listing
from domain.lending.tables import AutoInvestRuleRow, Loan, LoanProductRow
from domain.participants.roles import Role
from support.graphql import gql
from support.lending_world import listed_loan, offer_row, participant
from support.security import create_person, key_of

MY_LOANS = """{ myLoans { matches { amount { amount } explanation {
  rank askingRate passedOver { reason count } notConsidered unfilled { amount } } } } }"""


_offer = offer_row


async def test_a_cheaper_offer_of_another_grade_is_explained_and_every_source_counted(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given a grade-B, 12-month loan of 10,000.00 at 10 %, and a market around it
    sessions = app.state.services.stores.sessions
    clock = FixedClock(datetime.now(UTC))
    now = clock.now()
    borrower = await create_person(app, "Borrower", roles=["BORROWER"])
    assert borrower.id
    bank = (await participant(sessions, clock, {Role.PARTNER_BANK})).participant_id
    investor = (await participant(sessions, clock, {Role.INVESTOR})).participant_id
    assert bank is not None
    assert investor is not None
    offers = [
        _offer(bank, now),  # fills the loan
        _offer(bank, now, rate_floor=Decimal("0.08")),  # costs more: left unread
        _offer(bank, now, rate_floor=Decimal("0.04"), min_amount=2_000_000),  # wants more
        _offer(bank, now, rate_floor=Decimal("0.03"), grades=["A"]),  # cheaper, grade A only
        _offer(bank, now, rate_floor=Decimal("0.02"), max_term_months=6),
        _offer(bank, now, rate_floor=Decimal("0.02"), currency="USD"),
        _offer(bank, now, rate_floor=Decimal("0.02"), expires_at=now - timedelta(hours=1)),
        _offer(bank, now, rate_floor=Decimal("0.02"), committed=100_000_000),
    ]
    rule = AutoInvestRuleRow(
        investor_id=investor,
        currency="CNY",
        grades=["B"],
        min_term_months=1,
        max_term_months=36,
        min_rate=Decimal("0.20"),
        max_per_loan=100_000,
        daily_budget=1_000_000,
        created_at=now,
        updated_at=now,
    )
    loan = await listed_loan(sessions, clock, key_of(borrower.id), principal=1_000_000)
    async with sessions() as session:
        session.add_all([*offers, rule])
        await session.commit()

    # when the engine matches it
    async with sessions() as session:
        locked = await session.get(Loan, loan.id, with_for_update=True)
        product = await session.get(LoanProductRow, loan.product_id)
        assert locked is not None
        assert product is not None
        await match_listing(session, loan=locked, product=product, now=now)
        await session.commit()

    # then the one fill explains every other source, each under its reason
    body = await gql(client, MY_LOANS, token=borrower.token)
    [match] = body["data"]["myLoans"][0]["matches"]
    why = match["explanation"]
    assert match["amount"] == {"amount": "10000.00"}
    assert (Decimal(why["askingRate"]), why["unfilled"]) == (Decimal("0.06"), {"amount": "0.00"})
    assert why["rank"] == 2  # after the cheaper offer that wants more than is left
    passed = {p["reason"]: p["count"] for p in why["passedOver"]}
    assert passed == {
        "BELOW_MINIMUM": 1,
        "GRADE_NOT_ACCEPTED": 1,
        "TERM_OUT_OF_RANGE": 1,
        "CURRENCY_MISMATCH": 1,
        "EXPIRED": 1,
        "NO_CAPACITY": 1,
        "RATE_TOO_LOW": 1,
    }
    assert why["notConsidered"] == 1
    assert 1 + sum(passed.values()) + why["notConsidered"] == len(offers) + 1
