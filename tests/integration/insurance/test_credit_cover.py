"""A loan sold with credit insurance: the policy is bound at disbursement, the default opens
its claim by itself, the insurer approves and the funders are paid their exact shares through
lending's cover payout; over GraphQL, with `agora ledger verify`'s check after each."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.actors import Actor, ActorKind
from domain.events.tables import OutboxEvent
from domain.insurance.services.jobs import insurance_upkeep
from domain.lending.services.repay_loan import repay_loan
from domain.lending.tables import Loan
from domain.money import Money
from domain.participants.roles import Role
from support.covers import (
    RECEIVED,
    create_product,
    default,
    ledger_consistent,
    now_clock,
    provider,
    publish,
    sold_loan,
)
from support.graphql import gql
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
    app: Starlette, client: httpx.AsyncClient, name: str, *, funds: int
) -> tuple[str, list[Any], Any, str]:
    """A 10,000.00 loan covered by a credit policy: (loan id, investors, insurer, its key)."""
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
    )
    assert offer["errors"] == [], offer
    created = await create_product(
        client, operator, cover={"kind": "INSURANCE", "share": "0.8", "providerId": insurer.id}
    )
    loan_id, investors = await sold_loan(app, client, clock, created["product"]["id"], name)
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
