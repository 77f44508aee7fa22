"""Operators version loan products; a verified borrower applies, sees the decision and the
offer (schedule, fees, total cost, APR), and accepts it: the loan is listed."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from support.graphql import gql
from support.lending import verified_borrower
from support.security import create_person

PRODUCT_FIELDS = "id code version name fees { name timing percent } maxRate noteSize { amount }"
CREATE = f"""mutation C($input: LoanProductInput!) {{ createLoanProduct(input: $input) {{
  product {{ {PRODUCT_FIELDS} }} errors {{ code field }} }} }}"""
UPDATE = f"""mutation U($id: ID!, $input: LoanProductInput!) {{
  updateLoanProduct(id: $id, input: $input) {{ product {{ {PRODUCT_FIELDS} }}
    errors {{ code field }} }} }}"""
PRODUCTS = "query { loanProducts { id code version } }"
APPLY = """mutation A($input: ApplyForLoanInput!) { applyForLoan(input: $input) {
  application { id status grade annualRate scorecardVersion fraudRulesVersion
    reasons { code text pointsLost }
    offer { annualRate apr upfrontFee { amount } totalCost { amount } totalInterest { amount }
            installments { number total { amount } } } }
  errors { code field message } } }"""
ACCEPT = """mutation Acc($id: ID!, $key: String!) { acceptLoanOffer(applicationId: $id,
  idempotencyKey: $key) { loan { id state principal { amount } fundingDeadline }
  errors { code field } } }"""
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
    "fees": [{"name": "origination", "timing": "UPFRONT", "percent": "0.02"}],
}


async def test_products_are_versioned_and_a_borrower_applies_and_accepts(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    borrower = await verified_borrower(app)

    created = await gql(client, CREATE, {"input": PRODUCT}, token=operator.token)
    first = created["data"]["createLoanProduct"]["product"]
    bad = await gql(
        client, CREATE, {"input": {**PRODUCT, "code": "X", "minRate": "0.5"}}, token=operator.token
    )
    by_borrower = await gql(
        client, CREATE, {"input": {**PRODUCT, "code": "Y"}}, token=borrower.token
    )
    updated = await gql(
        client,
        UPDATE,
        {"id": first["id"], "input": {**PRODUCT, "maxRate": "0.20"}},
        token=operator.token,
    )
    second = updated["data"]["updateLoanProduct"]["product"]
    listed = (await gql(client, PRODUCTS))["data"]["loanProducts"]

    assert first["version"] == 1
    assert first["fees"] == [{"name": "origination", "timing": "UPFRONT", "percent": "0.02"}]
    assert {e["field"] for e in bad["data"]["createLoanProduct"]["errors"]} == {"minRate"}
    assert by_borrower["data"]["createLoanProduct"]["errors"][0]["code"] == "FORBIDDEN"
    assert (second["code"], second["version"], second["maxRate"]) == ("PERSONAL", 2, "0.2")
    assert listed == [{"id": second["id"], "code": "PERSONAL", "version": 2}]

    apply = {
        "productId": second["id"],
        "amount": "10000.00",
        "currency": "CNY",
        "termMonths": 12,
        "purpose": "a used car",
        "declaredMonthlyIncome": "20000.00",
    }
    stale = await gql(
        client, APPLY, {"input": {**apply, "productId": first["id"]}}, token=borrower.token
    )
    applied = await gql(client, APPLY, {"input": apply}, token=borrower.token)
    application = applied["data"]["applyForLoan"]["application"]

    assert stale["data"]["applyForLoan"]["errors"][0]["code"] == "NOT_FOUND"
    assert application["status"] == "APPROVED"
    assert application["scorecardVersion"] == "2026-11-v1"
    assert application["fraudRulesVersion"] == "2026-11-f1"
    assert application["reasons"], "every decision says why"
    offer = application["offer"]
    assert offer["upfrontFee"] == {"amount": "200.00"}
    assert len(offer["installments"]) == 12
    assert offer["apr"] > offer["annualRate"]  # the upfront fee raises the true cost
    total = sum(int(i["total"]["amount"].replace(".", "")) for i in offer["installments"])
    assert offer["totalCost"]["amount"] == f"{(total - 1_000_000 + 20_000) / 100:.2f}"

    accepted = await gql(
        client, ACCEPT, {"id": application["id"], "key": "acc"}, token=borrower.token
    )
    again = await gql(client, ACCEPT, {"id": application["id"], "key": "acc"}, token=borrower.token)
    loan = accepted["data"]["acceptLoanOffer"]["loan"]
    assert loan["state"] == "LISTED"
    assert loan["principal"] == {"amount": "10000.00"}
    assert again["data"]["acceptLoanOffer"]["loan"]["id"] == loan["id"]


DECISIONS = """query { scorecardVersions { version current baseFeatures: features { name reasonCode
  bins { upper points } } bands { grade minScore annualRate } }
  loanApplications(first: 5) { nodes { status scorecardVersion score reasons { code } } } }"""


async def test_operators_see_the_scorecard_as_data_and_every_decision(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    borrower = await verified_borrower(app)
    created = await gql(client, CREATE, {"input": PRODUCT}, token=operator.token)
    product_id = created["data"]["createLoanProduct"]["product"]["id"]
    # no income declared: the burden is unaffordable, the scorecard says so
    await gql(
        client,
        APPLY,
        {
            "input": {
                "productId": product_id,
                "amount": "10000.00",
                "currency": "CNY",
                "termMonths": 12,
                "purpose": "x",
                "declaredMonthlyIncome": "0.00",
            }
        },
        token=borrower.token,
    )

    seen = (await gql(client, DECISIONS, token=operator.token))["data"]
    refused = await gql(client, DECISIONS, token=borrower.token)

    [card] = seen["scorecardVersions"]
    assert card["version"] == "2026-11-v1"
    assert card["current"]
    assert [band["grade"] for band in card["bands"]] == ["A", "B", "C", "D", "E"]
    assert all(feature["bins"] for feature in card["baseFeatures"])
    [decision] = seen["loanApplications"]["nodes"]
    assert decision["scorecardVersion"] == "2026-11-v1"
    assert decision["reasons"]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
