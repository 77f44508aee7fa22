"""An operator decides an application the velocity rule referred to REVIEW: approved, the
borrower accepts the engine's offer and the loan is listed; declined, there is nothing to
accept; only operators decide, once, with a reason, and a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from domain.actors import Actor
from domain.audit.tables import AuditEntry
from domain.clock import FixedClock
from domain.lending.errors import ApplicationRefused
from domain.lending.services.applications import accept_loan_offer, apply_for_loan
from domain.lending.services.reviews import decide_loan_review
from domain.lending.tables import Loan, LoanApplication
from domain.money import Money
from domain.participants.roles import Role
from support.graphql import gql
from support.lending import verified_borrower
from support.lending_world import participant, product_row
from support.security import Caller, create_person, key_of, missing_id

PRODUCT = {
    "code": "PERSONAL",
    "name": "Personal loan",
    "currency": "CNY",
    "minAmount": "1000.00",
    "maxAmount": "50000.00",
    "minTermMonths": 3,
    "maxTermMonths": 24,
    "repaymentMethod": "EQUAL_INSTALLMENT",
    "minRate": "0.05",
    "maxRate": "0.24",
}
CREATE = """mutation C($input: LoanProductInput!) {
  createLoanProduct(input: $input) { product { id } errors { code } } }"""
APPLICATION_FIELDS = """id status grade annualRate reviewedAt reviewReason
  fraudReasons { code action } offer { annualRate }"""
APPLY = f"""mutation A($input: ApplyForLoanInput!) {{ applyForLoan(input: $input) {{
  application {{ {APPLICATION_FIELDS} }} errors {{ code }} }} }}"""
DECIDE = f"""mutation D($input: DecideLoanReviewInput!) {{ decideLoanReview(input: $input) {{
  application {{ {APPLICATION_FIELDS} }} errors {{ code field message }} }} }}"""
ACCEPT = """mutation Acc($id: ID!, $key: String!) {
  acceptLoanOffer(applicationId: $id, idempotencyKey: $key) {
    loan { id state principal { amount } } errors { code } } }"""
APPLICATION = f"query A($id: ID!) {{ loanApplication(id: $id) {{ {APPLICATION_FIELDS} }} }}"
IN_REVIEW = """query { loanApplications(status: REVIEW) { nodes { id status } } }"""
MY_LOANS = "query { myLoans { id state } }"

Sessions = async_sessionmaker[AsyncSession]


async def _referred(
    app: Starlette, client: httpx.AsyncClient
) -> tuple[Caller, Caller, dict[str, Any]]:
    """(operator, borrower, the borrower's third application in a day: referred to REVIEW)."""
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    borrower = await verified_borrower(app)
    created = await gql(client, CREATE, {"input": PRODUCT}, token=operator.token)
    apply = {
        "productId": created["data"]["createLoanProduct"]["product"]["id"],
        "amount": "10000.00",
        "currency": "CNY",
        "termMonths": 12,
        "purpose": "a used car",
        "declaredMonthlyIncome": "20000.00",
    }
    outcomes = []
    for _ in range(3):
        applied = await gql(client, APPLY, {"input": apply}, token=borrower.token)
        outcomes.append(applied["data"]["applyForLoan"]["application"])
    assert [a["status"] for a in outcomes] == ["APPROVED", "APPROVED", "REVIEW"]
    return operator, borrower, outcomes[2]


def _decide(application_id: str, decision: str, reason: str) -> dict[str, Any]:
    return {"input": {"applicationId": application_id, "decision": decision, "reason": reason}}


async def _reviews(app: Starlette) -> list[AuditEntry]:
    async with app.state.services.stores.sessions() as session:
        query = select(AuditEntry).where(col(AuditEntry.action) == "lending.review")
        return list((await session.exec(query)).all())


async def test_an_approved_referral_is_accepted_and_its_loan_listed(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given an application the velocity rule referred: priced, but nothing to accept yet
    operator, borrower, referred = await _referred(app, client)
    early = await gql(client, ACCEPT, {"id": referred["id"], "key": "early"}, token=borrower.token)
    queue = await gql(client, IN_REVIEW, token=operator.token)
    assert referred["fraudReasons"] == [{"code": "APPLICATION_VELOCITY", "action": "REVIEW"}]
    assert referred["annualRate"] is not None
    assert referred["offer"] is None
    assert early["data"]["acceptLoanOffer"]["errors"] == [{"code": "APPLICATION_REFUSED"}]
    assert queue["data"]["loanApplications"]["nodes"] == [
        {"id": referred["id"], "status": "REVIEW"}
    ]

    # when the operator approves it, and the borrower accepts
    decided = await gql(
        client,
        DECIDE,
        _decide(referred["id"], "APPROVE", "  called: genuine  "),
        token=operator.token,
    )
    accepted = await gql(client, ACCEPT, {"id": referred["id"], "key": "acc"}, token=borrower.token)

    # then the engine's offer stands, the loan is listed, and the decision is on record
    application = decided["data"]["decideLoanReview"]["application"]
    assert decided["data"]["decideLoanReview"]["errors"] == []
    assert application["status"] == "APPROVED"
    assert (application["grade"], application["annualRate"]) == (
        referred["grade"],
        referred["annualRate"],
    )
    assert Decimal(application["offer"]["annualRate"]) == Decimal(referred["annualRate"])
    assert application["reviewReason"] == "called: genuine"
    assert application["reviewedAt"] is not None
    loan = accepted["data"]["acceptLoanOffer"]["loan"]
    assert (loan["state"], loan["principal"]) == ("LISTED", {"amount": "10000.00"})
    mine = await gql(client, MY_LOANS, token=borrower.token)
    assert {"id": loan["id"], "state": "LISTED"} in mine["data"]["myLoans"]
    async with app.state.services.stores.sessions() as session:
        row = await session.get(LoanApplication, key_of(referred["id"]))
    assert row is not None
    assert row.reviewed_by == key_of(operator.id or "")
    [entry] = await _reviews(app)
    assert (entry.actor_id, entry.target_id) == (row.reviewed_by, str(row.id))
    assert entry.details["status"] == "APPROVED"
    assert entry.details["reason"] == "called: genuine"


async def test_a_declined_referral_has_nothing_to_accept_and_is_decided_once(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given a referred application
    operator, borrower, referred = await _referred(app, client)

    # when the operator declines it, then tries to decide it again, and the borrower accepts
    declined = await gql(
        client, DECIDE, _decide(referred["id"], "DECLINE", "identity unclear"), token=operator.token
    )
    again = await gql(
        client, DECIDE, _decide(referred["id"], "APPROVE", "changed my mind"), token=operator.token
    )
    accepted = await gql(client, ACCEPT, {"id": referred["id"], "key": "acc"}, token=borrower.token)
    seen = await gql(client, APPLICATION, {"id": referred["id"]}, token=borrower.token)

    # then it stays declined, with the reason the borrower reads
    application = declined["data"]["decideLoanReview"]["application"]
    assert (application["status"], application["offer"]) == ("DECLINED", None)
    assert again["data"]["decideLoanReview"] == {
        "application": None,
        "errors": [
            {
                "code": "APPLICATION_NOT_IN_REVIEW",
                "field": "applicationId",
                "message": "the application is DECLINED: only one in REVIEW awaits a decision",
            }
        ],
    }
    assert accepted["data"]["acceptLoanOffer"]["errors"] == [{"code": "APPLICATION_REFUSED"}]
    assert seen["data"]["loanApplication"]["status"] == "DECLINED"
    assert seen["data"]["loanApplication"]["reviewReason"] == "identity unclear"
    assert [e.details["status"] for e in await _reviews(app)] == ["DECLINED"]


async def test_only_operators_decide_with_a_reason_and_a_refusal_changes_nothing(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given a referred application, and one the engine approved outright
    operator, borrower, referred = await _referred(app, client)
    queue = await gql(
        client,
        "query { loanApplications(status: APPROVED) { nodes { id } } }",
        token=operator.token,
    )
    approved = queue["data"]["loanApplications"]["nodes"][0]["id"]

    # when the borrower decides their own, the operator gives no reason or far too long a
    # one, names a missing application, or one not in review
    attempts = {
        "borrower": (_decide(referred["id"], "APPROVE", "trust me"), borrower),
        "blank": (_decide(referred["id"], "APPROVE", "   "), operator),
        "long": (_decide(referred["id"], "DECLINE", "x" * 501), operator),
        "missing": (_decide(missing_id("LoanApplication"), "APPROVE", "ok"), operator),
        "approved": (_decide(approved, "DECLINE", "second thoughts"), operator),
    }
    errors = {}
    for name, (variables, caller) in attempts.items():
        answer = await gql(client, DECIDE, variables, token=caller.token)
        errors[name] = answer["data"]["decideLoanReview"]["errors"]

    # then each is refused with its code, and the application still awaits a decision
    assert {name: [(e["code"], e["field"]) for e in found] for name, found in errors.items()} == {
        "borrower": [("FORBIDDEN", None)],
        "blank": [("INVALID_INPUT", "reason")],
        "long": [("INVALID_INPUT", "reason")],
        "missing": [("NOT_FOUND", "applicationId")],
        "approved": [("APPLICATION_NOT_IN_REVIEW", "applicationId")],
    }
    seen = await gql(client, APPLICATION, {"id": referred["id"]}, token=operator.token)
    still = seen["data"]["loanApplication"]
    assert (still["status"], still["reviewedAt"], still["reviewReason"]) == ("REVIEW", None, None)
    assert await _reviews(app) == []


async def _referred_directly(
    sessions: Sessions, clock: FixedClock
) -> tuple[Actor, LoanApplication]:
    """A borrower's third application today, referred by the velocity rule: (borrower, it)."""
    product = product_row(clock.now())
    async with sessions() as session:
        session.add(product)
        await session.commit()
    borrower = await participant(sessions, clock, {Role.BORROWER})
    statuses = []
    for _ in range(3):
        async with sessions() as session:
            referred = await apply_for_loan(
                session=session,
                clock=clock,
                actor=borrower,
                product_id=product.id,
                amount=Money(1_000_000, "CNY"),
                term_months=12,
                purpose="a used car",
                declared_monthly_income=2_000_000,
            )
            await session.commit()
        statuses.append(referred.status)
    assert statuses == ["APPROVED", "APPROVED", "REVIEW"]
    return borrower, referred


async def test_an_approved_referral_may_be_accepted_for_a_week_from_the_decision(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given an application referred on day 0 and approved on day 8, past the week an offer
    # made at once would have lasted
    borrower, referred = await _referred_directly(sessions, clock)
    operator = Actor.system()
    clock.advance(timedelta(days=8))
    async with sessions() as session:
        await decide_loan_review(
            session=session,
            clock=clock,
            actor=operator,
            application_id=referred.id,
            approve=True,
            reason="documents checked",
        )
        await session.commit()

    # when the borrower accepts six days after the decision
    clock.advance(timedelta(days=6))
    async with sessions() as session:
        loan_id = (
            await accept_loan_offer(
                session=session,
                clock=clock,
                actor=borrower,
                application_id=referred.id,
                idempotency_key="acc",
            )
        ).id
        await session.commit()

    # then the loan is listed at the engine's price
    async with sessions() as session:
        loan = await session.get(Loan, loan_id)
    assert loan is not None
    assert (loan.state, loan.borrower_rate) == ("LISTED", referred.annual_rate)


async def test_a_referral_older_than_two_weeks_may_only_be_declined(
    sessions: Sessions, clock: FixedClock
) -> None:
    _, referred = await _referred_directly(sessions, clock)
    clock.advance(timedelta(days=14, seconds=1))

    async with sessions() as session:
        with pytest.raises(ApplicationRefused, match="stale"):
            await decide_loan_review(
                session=session,
                clock=clock,
                actor=Actor.system(),
                application_id=referred.id,
                approve=True,
                reason="documents checked",
            )
    async with sessions() as session:
        untouched = await session.get(LoanApplication, referred.id)
        assert untouched is not None
        before = (untouched.status, untouched.reviewed_at)
        declined = await decide_loan_review(
            session=session,
            clock=clock,
            actor=Actor.system(),
            application_id=referred.id,
            approve=False,
            reason="too late to price: please apply again",
        )
        await session.commit()

    assert before == ("REVIEW", None)
    assert declined.status == "DECLINED"
