"""Covers over GraphQL: insurers and guarantors with the offers they publish, a product
under a cover, a loan sold to investors and defaulted by the worker's job."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from domain.clock import FixedClock
from domain.ledger.services.verification import verify_ledger
from domain.lending.services.age_installments import age_overdue_installments
from support.graphql import gql
from support.lending import verified_borrower
from support.lending_world import fund_wallet, installments_of
from support.security import Caller, create_key, create_person, granted, key_of

PUBLISH = """mutation P($input: CoverOfferInput!, $key: String!) {
  publishCoverOffer(input: $input, idempotencyKey: $key) {
    offer { id providerId kind currency share maxLoanAmount { amount } status withdrawnAt }
    errors { code field message } } }"""
WITHDRAW = """mutation W($id: ID!) { withdrawCoverOffer(id: $id) {
  offer { id status withdrawnAt } errors { code field } } }"""
CREATE_PRODUCT = """mutation C($input: LoanProductInput!) { createLoanProduct(input: $input) {
  product { id cover { kind share providerId offerId } } errors { code field message } } }"""
APPLY = """mutation A($input: ApplyForLoanInput!) { applyForLoan(input: $input) {
  application { id status buysCreditCover } errors { code field message } } }"""
ACCEPT = """mutation Acc($id: ID!, $key: String!, $cover: Boolean! = false) {
  acceptLoanOffer(applicationId: $id, idempotencyKey: $key, buyCreditCover: $cover) {
    loan { id state } errors { code field message } } }"""
BUY = """mutation B($input: BuyNoteInput!, $key: String!) { buyNote(input: $input,
  idempotencyKey: $key) { loan { id state } errors { code field message } } }"""
RECEIVED = "query { repaymentsReceived { loanId kind principal { amount } } }"
FUND = """mutation F($input: FundGuaranteeFundInput!, $key: String!) {
  fundGuaranteeFund(input: $input, idempotencyKey: $key) {
    guaranteeFund { balance { amount } contributed { amount } } errors { code field } } }"""
FUND_VIEW = """query { guaranteeFund(currency: "CNY") { currency balance { amount }
  contributed { amount } covered { amount } paid { amount } shortfall { amount }
  shortfalls { loanId owed { amount } paid { amount } shortfall { amount } } } }"""

PRODUCT: dict[str, Any] = {
    "code": "COVERED",
    "name": "Covered loan",
    "currency": "CNY",
    "minAmount": "1000.00",
    "maxAmount": "50000.00",
    "minTermMonths": 3,
    "maxTermMonths": 24,
    "repaymentMethod": "EQUAL_INSTALLMENT",
    "minRate": "0.05",
    "maxRate": "0.24",
    "defaultDays": 30,
    "maxInvestorShare": "1",
}


def now_clock() -> FixedClock:
    """A clock for the test's own steps (wallet funding, the worker's jobs); the app runs on
    the system clock, so tokens stay valid while a job runs months ahead."""
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


async def provider(
    app: Starlette, client: httpx.AsyncClient, operator: Caller, role: str, scopes: list[str]
) -> tuple[Caller, str]:
    """(an insurer or guarantor the operator granted `role`, an API key secret of it)."""
    applicant = await create_person(app, role.title(), roles=["INVESTOR"], kind="BUSINESS")
    granted_to = await granted(app, client, operator, applicant, role)
    _, secret = await create_key(client, granted_to, scopes)
    return granted_to, secret


async def publish(client: httpx.AsyncClient, token: str, key: str, **terms: object) -> Any:
    """The payload of publishCoverOffer with these terms (CNY unless given)."""
    variables = {"input": {"currency": "CNY", **terms}, "key": key}
    return (await gql(client, PUBLISH, variables, token=token))["data"]["publishCoverOffer"]


async def create_product(
    client: httpx.AsyncClient, operator: Caller, **changes: object
) -> dict[str, Any]:
    body = await gql(
        client, CREATE_PRODUCT, {"input": {**PRODUCT, **changes}}, token=operator.token
    )
    payload: dict[str, Any] = body["data"]["createLoanProduct"]
    return payload


async def apply(
    client: httpx.AsyncClient, borrower: Caller, product_id: str, *, buy_credit_cover: bool = False
) -> Any:
    """The payload of applyForLoan for 10,000.00 over 12 months (choosing the credit cover the
    product's offer sells, if `buy_credit_cover`)."""
    variables = {
        "input": {
            **({"buyCreditCover": True} if buy_credit_cover else {}),
            "productId": product_id,
            "amount": "10000.00",
            "currency": "CNY",
            "termMonths": 12,
            "purpose": "a used car",
            "declaredMonthlyIncome": "20000.00",
        }
    }
    return (await gql(client, APPLY, variables, token=borrower.token))["data"]["applyForLoan"]


async def sold_loan(
    app: Starlette,
    client: httpx.AsyncClient,
    clock: FixedClock,
    product_id: str,
    name: str,
    *,
    buy_credit_cover: bool = False,
    cover_at_application: bool = False,
) -> tuple[str, list[Caller]]:
    """A 10,000.00 loan of the product, applied for, accepted (buying the credit cover its
    offer sells, if `buy_credit_cover`, chosen at application if `cover_at_application`) and
    bought by two investors (6,000 and 4,000): (its global id, the investors)."""
    borrower = await verified_borrower(app, f"Borrower{name}")
    applied = await apply(client, borrower, product_id, buy_credit_cover=cover_at_application)
    assert applied["application"]["status"] == "APPROVED", applied
    variables = {"id": applied["application"]["id"], "key": name, "cover": buy_credit_cover}
    accepted = await gql(client, ACCEPT, variables, token=borrower.token)
    loan = accepted["data"]["acceptLoanOffer"]["loan"]
    assert loan, accepted
    investors = []
    for n, share in enumerate(("6000.00", "4000.00")):
        investor = await create_person(app, f"Investor{name}{n}", roles=["INVESTOR"])
        assert investor.id
        await fund_wallet(
            app.state.services.stores.sessions,
            clock,
            key_of(investor.id),
            int(share.replace(".", "")),
        )
        bought = await gql(
            client,
            BUY,
            {
                "input": {"loanId": loan["id"], "amount": share, "currency": "CNY"},
                "key": f"{name}{n}",
            },
            token=investor.token,
        )
        assert bought["data"]["buyNote"]["errors"] == [], bought
        investors.append(investor)
    assert bought["data"]["buyNote"]["loan"]["state"] == "ACTIVE"
    return loan["id"], investors


async def default(app: Starlette, loan_id: str) -> None:
    """The worker's aging job run thirty-one days past the first due date (the product's
    threshold is thirty)."""
    sessions = app.state.services.stores.sessions
    [first, *_] = await installments_of(sessions, key_of(loan_id))
    clock = now_clock()
    clock.set(datetime.combine(first.due_date + timedelta(days=31), time(12), tzinfo=UTC))
    await age_overdue_installments(sessions, clock)


async def ledger_consistent(app: Starlette) -> bool:
    async with app.state.services.stores.sessions() as session:
        return (await verify_ledger(session)).consistent
