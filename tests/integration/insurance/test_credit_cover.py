"""A loan sold with credit insurance: the policy is bound at disbursement, the default opens
its claim by itself, the insurer approves and the funders are paid their exact shares through
lending's cover payout; over GraphQL, with `agora ledger verify`'s check after each."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.events.tables import OutboxEvent
from domain.insurance.errors import CoverNotOffered
from domain.insurance.services.jobs import insurance_upkeep
from domain.lending.services.applications import accept_loan_offer
from domain.lending.services.repay_loan import repay_loan
from domain.lending.tables import Loan, LoanApplication
from domain.liquidity.services.position import liquidity_position
from domain.money import Money
from domain.participants.roles import Role
from support.covers import (
    ACCEPT,
    RECEIVED,
    apply,
    create_product,
    default,
    ledger_consistent,
    now_clock,
    provider,
    publish,
    sold_loan,
)
from support.graphql import gql
from support.lending import verified_borrower
from support.lending_world import fund_wallet
from support.payments import revenue, wallet
from support.security import create_person, key_of

PUBLISH = """mutation P($input: InsuranceProductInput!) {
  publishInsuranceProduct(input: $input) { product { id kind } errors { code field message } } }"""
CLAIMS = """{ insuranceClaims { id state loss { amount } approved { amount } paid { amount }
  automatic beneficiaryId policyId } }"""
POLICIES = "{ underwrittenPolicies { id kind state subjectType premium { amount } } }"
DECIDE = """mutation D($input: DecideClaimInput!, $key: String!) {
  decideClaim(input: $input, idempotencyKey: $key) {
    claim { state approved { amount } paid { amount } } errors { code field message } } }"""
CREDIT = {
    "code": "LOAN-GUARD",
    "name": "Loan guard",
    "kind": "CREDIT",
    "currency": "CNY",
    "premium": {
        "basis": "BY_GRADE",
        "byGrade": [{"grade": g, "basisPoints": 100} for g in "ABCDE"],
    },
    "coverageShare": "0.8",
    "termDays": 30,
    "commissionBasisPoints": 1500,
}


async def _credit_loan(
    app: Starlette,
    client: httpx.AsyncClient,
    name: str,
    *,
    funds: int,
    requires_cover: bool = True,
    buy_credit_cover: bool = False,
    cover_at_application: bool = False,
) -> tuple[str, list[Any], Any, str]:
    """A 10,000.00 loan under an offer selling a credit policy (required, or bought by the
    borrower if `buy_credit_cover`, chosen at application if `cover_at_application`): (loan
    id, investors, insurer, its key)."""
    clock = now_clock()
    operator = await create_person(app, f"Operator{name}", roles=["OPERATOR"])
    insurer, key = await provider(app, client, operator, "INSURER", ["POLICIES_WRITE"])
    assert insurer.id
    if funds:
        await fund_wallet(app.state.services.stores.sessions, clock, key_of(insurer.id), funds)
    product = (await gql(client, PUBLISH, {"input": CREDIT}, token=key))["data"]
    product = product["publishInsuranceProduct"]["product"]
    offer = await publish(
        client,
        key,
        f"credit-{name}",
        kind="INSURANCE",
        share="0.8",
        insuranceProductId=product["id"],
        requiresCover=requires_cover,
    )
    assert offer["errors"] == [], offer
    created = await create_product(
        client, operator, cover={"kind": "INSURANCE", "share": "0.8", "providerId": insurer.id}
    )
    loan_id, investors = await sold_loan(
        app,
        client,
        clock,
        created["product"]["id"],
        name,
        buy_credit_cover=buy_credit_cover,
        cover_at_application=cover_at_application,
    )
    return loan_id, investors, insurer, key


async def test_a_defaulted_loans_claim_opens_by_itself_and_its_approval_pays_the_funders(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = app.state.services.stores.sessions
    # given a 10,000.00 loan sold with a credit policy at 1 % (the insurer holds 2,000.00)
    loan_id, investors, insurer, key = await _credit_loan(app, client, "cc", funds=200_000)
    [policy] = (await gql(client, POLICIES, token=key))["data"]["underwrittenPolicies"]
    assert (policy["kind"], policy["state"], policy["subjectType"]) == ("CREDIT", "ACTIVE", "LOAN")
    assert policy["premium"] == {"amount": "100.00"}  # from the borrower's proceeds
    assert await revenue(sessions, "insurance_commission") == 1_500
    assert await ledger_consistent(app)

    # when the loan defaults with its whole 10,000.00 outstanding
    await default(app, loan_id)

    # then its claim is open, for the funders, and nothing is paid yet
    [claim] = (await gql(client, CLAIMS, token=key))["data"]["insuranceClaims"]
    assert (claim["state"], claim["automatic"], claim["beneficiaryId"]) == ("OPEN", True, None)
    assert claim["loss"] == {"amount": "10000.00"}
    assert await ledger_consistent(app)

    # when the insurer approves: 80 % of 10,000.00, to the funders by their 6:4 shares
    variables = {"input": {"claimId": claim["id"], "decision": "APPROVE"}, "key": "approve-1"}
    decided = (await gql(client, DECIDE, variables, token=key))["data"]["decideClaim"]
    again = (await gql(client, DECIDE, variables, token=key))["data"]["decideClaim"]

    assert decided["errors"] == [], decided
    assert decided["claim"] == {
        "state": "APPROVED_UNPAID",  # the insurer holds 2,085.00
        "approved": {"amount": "8000.00"},
        "paid": {"amount": "0.00"},
    }
    assert again == decided

    # when it is topped up, the worker's retry pays the claim, and only once
    assert insurer.id
    await fund_wallet(sessions, now_clock(), key_of(insurer.id), 800_000)
    for _ in range(2):
        await insurance_upkeep(sessions, now_clock())

    [claim] = (await gql(client, CLAIMS, token=key))["data"]["insuranceClaims"]
    assert (claim["state"], claim["paid"]) == ("PAID", {"amount": "8000.00"})
    received = [
        (await gql(client, RECEIVED, token=i.token))["data"]["repaymentsReceived"]
        for i in investors
    ]
    assert received == [
        [{"loanId": loan_id, "kind": "INSURANCE", "principal": {"amount": "4800.00"}}],
        [{"loanId": loan_id, "kind": "INSURANCE", "principal": {"amount": "3200.00"}}],
    ]
    insurer_wallet = await wallet(sessions, key_of(insurer.id))
    assert insurer_wallet.available.minor == 200_000 + 8_500 + 800_000 - 800_000
    # every claimUpdated went to the insurer and the funders it pays
    async with sessions() as session:
        told = (
            await session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.type) == "insurance.claim_updated")
                .order_by(col(OutboxEvent.id))
            )
        ).all()
    assert [e.payload["change"] for e in told] == ["OPENED", "DECIDED", "PAYMENT_FAILED", "PAID"]
    funders = {key_of(i.id) for i in investors if i.id}
    assert all(funders | {key_of(insurer.id)} <= set(e.audience) for e in told)
    assert await ledger_consistent(app)


async def test_an_insurer_short_of_money_leaves_the_claim_unpaid_and_a_rejection_writes_off(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    loan_id, _, _, key = await _credit_loan(app, client, "cr", funds=0)
    await default(app, loan_id)
    [claim] = (await gql(client, CLAIMS, token=key))["data"]["insuranceClaims"]

    variables = {
        "input": {"claimId": claim["id"], "decision": "REJECT", "reason": "fraud by the borrower"},
        "key": "reject-1",
    }
    rejected = (await gql(client, DECIDE, variables, token=key))["data"]["decideClaim"]

    assert rejected["claim"]["state"] == "REJECTED", rejected
    async with app.state.services.stores.sessions() as session:
        [event] = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.loan_defaulted")
            )
        ).all()
    assert (event.payload["covered"], event.payload["cover_due"]) == (0, 800_000)
    assert await ledger_consistent(app)


async def test_what_the_borrower_repays_while_the_claim_waits_goes_to_the_funders(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = app.state.services.stores.sessions
    loan_id, investors, insurer, key = await _credit_loan(app, client, "rc", funds=1_000_000)
    await default(app, loan_id)
    async with sessions() as session:
        loan = await session.get(Loan, key_of(loan_id))
        assert loan is not None
    borrower = Actor(ActorKind.PERSON, loan.borrower_id, frozenset({Role.BORROWER}))

    # when the borrower repays 3,000.00 before the insurer decides
    async with sessions() as session:
        await repay_loan(
            session=session,
            clock=now_clock(),
            actor=borrower,
            loan_id=loan.id,
            amount=Money(300_000, "CNY"),
            idempotency_key="recovered-1",
        )
        await session.commit()
    [claim] = (await gql(client, CLAIMS, token=key))["data"]["insuranceClaims"]
    variables = {"input": {"claimId": claim["id"], "decision": "APPROVE"}, "key": "approve-rc"}
    decided = (await gql(client, DECIDE, variables, token=key))["data"]["decideClaim"]

    # then the funders got it, and the claim pays only the 7,000.00 they are still owed
    assert decided["claim"] == {
        "state": "PAID",
        "approved": {"amount": "8000.00"},
        "paid": {"amount": "7000.00"},
    }
    received = [
        sorted(
            (r["kind"], r["principal"]["amount"])
            for r in (await gql(client, RECEIVED, token=i.token))["data"]["repaymentsReceived"]
        )
        for i in investors
    ]
    assert received == [
        [("INSURANCE", "4200.00"), ("RECOVERY", "1800.00")],
        [("INSURANCE", "2800.00"), ("RECOVERY", "1200.00")],
    ]
    assert insurer.id
    assert (await wallet(sessions, key_of(insurer.id))).available.minor == (
        1_000_000 + 8_500 - 700_000
    )
    assert await ledger_consistent(app)


QUOTE = """query Q($id: ID!, $grade: String) {
  insuranceQuote(productId: $id, insuredAmount: "10000.00", currency: "CNY", grade: $grade) {
    premium { amount } toInsurer { amount } commission { amount } } }"""


async def test_a_credit_product_quotes_by_the_borrowers_grade(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "OperatorQ", roles=["OPERATOR"])
    _, key = await provider(app, client, operator, "INSURER", ["POLICIES_WRITE"])
    published = (await gql(client, PUBLISH, {"input": CREDIT}, token=key))["data"]
    product = published["publishInsuranceProduct"]["product"]["id"]
    buyer = await create_person(app, "Quoted", roles=["BORROWER"])

    graded = await gql(client, QUOTE, {"id": product, "grade": "B"}, token=buyer.token)
    ungraded = await gql(client, QUOTE, {"id": product}, token=buyer.token)

    assert graded["data"]["insuranceQuote"] == {
        "premium": {"amount": "100.00"},
        "toInsurer": {"amount": "85.00"},
        "commission": {"amount": "15.00"},
    }
    assert ungraded["errors"][0]["extensions"]["code"] == "PRODUCT_NOT_ON_SALE"


@pytest.mark.parametrize("at_application", [False, True], ids=["at-acceptance", "at-application"])
async def test_a_borrower_buys_the_cover_an_offer_sells_without_requiring_it(
    app: Starlette, client: httpx.AsyncClient, at_application: bool
) -> None:
    sessions = app.state.services.stores.sessions
    # given an offer that does not require its cover, and a borrower who buys it when
    # accepting the offer, or chose it when applying and accepts without saying it again
    loan_id, _, _, key = await _credit_loan(
        app,
        client,
        f"ob{int(at_application)}",
        funds=0,
        requires_cover=False,
        buy_credit_cover=not at_application,
        cover_at_application=at_application,
    )

    # then the loan is sold its policy, the premium from the proceeds, as a required one is
    [policy] = (await gql(client, POLICIES, token=key))["data"]["underwrittenPolicies"]
    assert (policy["kind"], policy["state"], policy["subjectType"]) == ("CREDIT", "ACTIVE", "LOAN")
    assert policy["premium"] == {"amount": "100.00"}
    assert await revenue(sessions, "insurance_commission") == 1_500
    async with sessions() as session:
        loan = await session.get(Loan, key_of(loan_id))
        assert loan is not None
        application = await session.get(LoanApplication, loan.application_id)
    assert loan.buys_credit_cover
    assert application is not None
    assert application.buys_credit_cover is at_application
    assert await ledger_consistent(app)


async def test_choosing_cover_at_application_a_product_does_not_sell_is_refused(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = app.state.services.stores.sessions
    # given a product whose loans carry no credit cover
    operator = await create_person(app, "OperatorNa", roles=["OPERATOR"])
    created = await create_product(client, operator)
    borrower = await verified_borrower(app, "BorrowerNa")
    assert borrower.id

    # when the borrower applies choosing credit cover
    applied = await apply(client, borrower, created["product"]["id"], buy_credit_cover=True)

    # then a typed error on the field, and no application stored
    assert applied["application"] is None
    assert [(e["code"], e["field"]) for e in applied["errors"]] == [
        ("COVER_NOT_OFFERED", "buyCreditCover")
    ]
    async with sessions() as session:
        stored = await session.exec(
            select(LoanApplication).where(col(LoanApplication.borrower_id) == key_of(borrower.id))
        )
        assert stored.all() == []
    # and the same application without the choice is approved
    plain = await apply(client, borrower, created["product"]["id"])
    assert plain["application"]["status"] == "APPROVED"
    assert plain["application"]["buysCreditCover"] is False


async def test_choosing_cover_the_offer_cannot_sell_this_borrower_is_refused(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given an offer selling a credit product priced only for grade E borrowers
    operator = await create_person(app, "OperatorNg", roles=["OPERATOR"])
    insurer, key = await provider(app, client, operator, "INSURER", ["POLICIES_WRITE"])
    only_e = {
        **CREDIT,
        "premium": {"basis": "BY_GRADE", "byGrade": [{"grade": "E", "basisPoints": 300}]},
    }
    published = (await gql(client, PUBLISH, {"input": only_e}, token=key))["data"]
    product_id = published["publishInsuranceProduct"]["product"]["id"]
    offer = await publish(
        client,
        key,
        "credit-ng",
        kind="INSURANCE",
        share="0.8",
        insuranceProductId=product_id,
        requiresCover=False,
    )
    assert offer["errors"] == [], offer
    created = await create_product(
        client, operator, cover={"kind": "INSURANCE", "share": "0.8", "providerId": insurer.id}
    )
    loan_product = created["product"]["id"]
    borrower = await verified_borrower(app, "BorrowerNg")
    plain = await apply(client, borrower, loan_product)
    assert plain["application"]["status"] == "APPROVED", plain

    # when the borrower, not of grade E, chooses the cover applying, or accepting the offer
    chosen = await apply(client, borrower, loan_product, buy_credit_cover=True)
    variables = {"id": plain["application"]["id"], "key": "ng-1", "cover": True}
    accepted = (await gql(client, ACCEPT, variables, token=borrower.token))["data"]

    # then both are refused with the typed error, and the plain offer is still open
    assert chosen["application"] is None
    assert [(e["code"], e["field"]) for e in chosen["errors"]] == [
        ("COVER_NOT_OFFERED", "buyCreditCover")
    ]
    assert [e["code"] for e in accepted["acceptLoanOffer"]["errors"]] == ["COVER_NOT_OFFERED"]
    async with app.state.services.stores.sessions() as session:
        application = await session.get(LoanApplication, key_of(plain["application"]["id"]))
    assert application is not None
    assert (application.status, application.grade != "E") == ("APPROVED", True)


async def test_a_borrower_who_turns_the_cover_down_leaves_the_funders_none(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given an offer that does not require its cover, and a borrower who does not buy it
    loan_id, _, _, key = await _credit_loan(
        app, client, "od", funds=1_000_000, requires_cover=False
    )

    # then no policy is sold, the insurer has nothing at risk on the loan, and the default
    # opens no claim and pays no cover
    assert (await gql(client, POLICIES, token=key))["data"]["underwrittenPolicies"] == []
    operator = Actor(ActorKind.PERSON, uuid4(), frozenset({Role.OPERATOR}))
    async with app.state.services.stores.sessions() as session:
        position = await liquidity_position(
            session, actor=operator, currency="CNY", now=now_clock().now()
        )
    assert [c.at_risk for c in position.covers] == [0]
    await default(app, loan_id)
    assert (await gql(client, CLAIMS, token=key))["data"]["insuranceClaims"] == []
    async with app.state.services.stores.sessions() as session:
        [event] = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.loan_defaulted")
            )
        ).all()
    payload = event.payload
    assert (payload["covered"], payload["cover_due"], payload["shortfall"]) == (0, 0, 0)
    assert payload["written_off"] == 1_000_000
    assert await ledger_consistent(app)


async def test_buying_cover_a_product_does_not_sell_is_refused_and_changes_nothing(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = app.state.services.stores.sessions
    # given an approved application under a product whose loans carry no credit cover
    operator = await create_person(app, "OperatorNc", roles=["OPERATOR"])
    created = await create_product(client, operator)
    borrower = await verified_borrower(app, "BorrowerNc")
    applied = await apply(client, borrower, created["product"]["id"])
    application_id = key_of(applied["application"]["id"])
    assert borrower.id
    actor = Actor(ActorKind.PERSON, key_of(borrower.id), frozenset({Role.BORROWER}))

    # when the borrower accepts it buying credit cover: refused, at the service
    async with sessions() as session:
        with pytest.raises(CoverNotOffered) as refused:
            await accept_loan_offer(
                session=session,
                clock=now_clock(),
                actor=actor,
                application_id=application_id,
                idempotency_key="nc-1",
                buy_credit_cover=True,
            )
        await session.rollback()
    assert refused.value.field == "buy_credit_cover"

    # and over GraphQL, as a typed error
    variables = {"id": applied["application"]["id"], "key": "nc-2", "cover": True}
    answer = (await gql(client, ACCEPT, variables, token=borrower.token))["data"]
    assert answer["acceptLoanOffer"]["loan"] is None
    assert [e["code"] for e in answer["acceptLoanOffer"]["errors"]] == ["COVER_NOT_OFFERED"]

    # then the application is still only APPROVED, and no loan was listed
    async with sessions() as session:
        application = await session.get(LoanApplication, application_id)
        loans = (await session.exec(select(Loan))).all()
    assert application is not None
    assert application.status == "APPROVED"
    assert loans == []
