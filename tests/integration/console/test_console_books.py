"""The console's read-only books: supply-chain programmes per core enterprise (what each owes,
beside the platform book's line on it) and lending plans (their maturity and exit), sent as
the page sends them and answered for operators only."""

from __future__ import annotations

from datetime import timedelta

import httpx
from starlette.applications import Starlette

from api.console.cookies import CSRF_COOKIE, SESSION_COOKIE
from domain.clock import SystemClock, today
from support.console import console_gql, panel_query, sign_in
from support.graphql import Person, gql
from support.security import create_person, submit_kyc
from support.wealth_plans import plan_input

DECIDE_KYC = "mutation D($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }"
BOOK = """mutation B($i: SupplyChainPlatformBookInput!) { setSupplyChainPlatformBook(input: $i) {
  errors { code } } }"""
REGISTER = """mutation R($i: RegisterInvoiceInput!, $k: String!) { registerInvoice(input: $i,
  idempotencyKey: $k) { receivable { id } errors { code } } }"""
CONFIRM = "mutation C($id: ID!) { confirmInvoice(receivableId: $id) { errors { code } } }"
PUBLISH = """mutation P($input: PublishLendingPlanInput!) {
  publishLendingPlan(input: $input) { plan { id } errors { code } } }"""
LICENCE = "91310000MA1FL8888X"
PLAN = "Console 3-month plan"


async def _programme(app: Starlette, client: httpx.AsyncClient, operator: Person) -> str:
    """A core enterprise the platform book may finance, owing one confirmed invoice."""
    core = await create_person(app, "Core", roles=["CORE_ENTERPRISE"], kind="BUSINESS")
    seller = await create_person(app, "Supplier", roles=["MERCHANT"], kind="BUSINESS")
    licence = await submit_kyc(client, seller, 0, business_licence=LICENCE)
    token = operator.access_token
    decision = {"submissionId": licence, "decision": "VERIFY"}
    await gql(client, DECIDE_KYC, {"i": decision}, token=token)
    book = {
        "coreEnterpriseId": core.id,
        "allowed": True,
        "currency": "CNY",
        "discountRate": "0.045",
        "limit": "500000.00",
    }
    assert (await gql(client, BOOK, {"i": book}, token=token))["data"][
        "setSupplyChainPlatformBook"
    ]["errors"] == []
    day = today(SystemClock())
    invoice = {
        "buyerId": core.id,
        "registrationNumber": LICENCE,
        "invoiceNumber": "INV-CONSOLE-1",
        "amount": "200000.00",
        "currency": "CNY",
        "issuedOn": (day - timedelta(days=3)).isoformat(),
        "dueOn": (day + timedelta(days=60)).isoformat(),
    }
    registered = await gql(client, REGISTER, {"i": invoice, "k": "inv-console"}, token=seller.token)
    receivable = registered["data"]["registerInvoice"]["receivable"]["id"]
    confirmed = await gql(client, CONFIRM, {"id": receivable}, token=core.token)
    assert confirmed["data"]["confirmInvoice"]["errors"] == []
    assert core.id is not None
    return core.id


async def _plan(client: httpx.AsyncClient, operator: Person) -> None:
    published = await gql(client, PUBLISH, {"input": plan_input(PLAN)}, token=operator.access_token)
    assert published["data"]["publishLendingPlan"]["errors"] == []


async def test_an_operator_s_console_reads_the_programmes_and_the_plans(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    core = await _programme(app, client, operator)
    await _plan(client, operator)
    await sign_in(client, operator.email)
    csrf = client.cookies[CSRF_COOKIE]

    scf = await console_gql(client, panel_query("book-scf"), csrf=csrf)
    plans = await console_gql(client, panel_query("book-plans"), csrf=csrf)

    assert scf.status_code == 200, scf.text
    assert "errors" not in scf.json(), scf.text
    [owed] = [t for t in scf.json()["data"]["supplyChainProgrammeTotals"] if t["buyerId"] == core]
    assert (owed["amount"], owed["certificates"], owed["overdue"]) == (
        {"amount": "200000.00", "currency": "CNY"},
        1,
        0,
    )
    [line] = [
        b for b in scf.json()["data"]["supplyChainPlatformBooks"] if b["coreEnterpriseId"] == core
    ]
    assert (line["allowed"], line["discountRate"], line["limit"]["amount"]) == (
        True,
        "0.045",
        "500000.00",
    )
    assert plans.status_code == 200, plans.text
    assert "errors" not in plans.json(), plans.text
    [plan] = [p for p in plans.json()["data"]["lendingPlans"] if p["name"] == PLAN]
    assert (plan["state"], plan["exitedAt"], plan["realised"]) == ("OPEN", None, None)
    assert plan["maturesAt"] < plan["exitDeadline"]


async def test_the_books_are_for_operators_only(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    borrower = await create_person(app, "Borrower", roles=["BORROWER"])
    await sign_in(client, operator.email)
    csrf = client.cookies[CSRF_COOKIE]
    for table in ("book-scf", "book-plans"):
        query = panel_query(table)
        client.cookies.delete(SESSION_COOKIE, path="/console")
        anonymous = await console_gql(client, query, csrf=csrf)
        assert anonymous.status_code == 401, anonymous.text
        # a borrower's own token in the console's cookie: refused as the page is
        assert borrower.token is not None
        client.cookies.set(SESSION_COOKIE, borrower.token, path="/console")
        refused = await console_gql(client, query, csrf=csrf)
        assert refused.status_code == 403, refused.text
        assert refused.json()["errors"][0]["message"] == "The console is for operators"
    # and over the public API, the programme totals and platform books are operators' alone
    public = await gql(client, panel_query("book-scf"), token=borrower.token)
    assert {e["extensions"]["code"] for e in public["errors"]} == {"FORBIDDEN"}
