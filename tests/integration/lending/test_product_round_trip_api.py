"""Every setting an operator writes on a loan product can be read back, field by field: the
test sets every field of LoanProductInput (the schema says which there are) to something
other than its default and finds each in LoanProduct under the same name."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from support.covers import provider, publish
from support.graphql import gql
from support.security import create_person

FIELDS = """id code version name currency minAmount { amount currency } maxAmount { amount }
  minTermMonths maxTermMonths repaymentMethod rounding minRate maxRate
  fees { name timing percent fixed { amount } } penaltyDailyRate graceDays defaultDays
  fundingChannels cover { kind share providerId offerId } earlyRepayment
  transfer { maxPremium minPriceShare feeRate minFee { amount } }
  platformSpread noteSize { amount } minInvestment { amount } maxInvestorShare fundingDays"""
CREATE = """mutation C($input: LoanProductInput!) { createLoanProduct(input: $input) {
  product { id } errors { code field message } } }"""
PRODUCTS = f"query {{ loanProducts {{ {FIELDS} }} }}"
INPUTS = """query { __schema { types { name inputFields { name } } } }"""


def _read(value: Any) -> Any:
    """An input's value as the product reads it back: money as its amount."""
    if isinstance(value, dict):
        if set(value) <= {"amount", "currency"} and "amount" in value:
            return value["amount"]
        return {k: _read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_read(v) for v in value]
    return value


def _fields(types: dict[str, list[str]], name: str) -> set[str]:
    return set(types[name])


async def test_a_loan_product_reads_back_every_setting_its_input_accepts(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    guarantor, key = await provider(app, client, operator, "GUARANTOR", ["GUARANTEES_WRITE"])
    offer = (await publish(client, key, "g", kind="GUARANTEE", share="0.9"))["offer"]
    written: dict[str, Any] = {
        "code": "EVERYTHING",
        "name": "Every setting",
        "currency": "CNY",
        "minAmount": "2000.00",
        "maxAmount": "30000.00",
        "minTermMonths": 6,
        "maxTermMonths": 18,
        "repaymentMethod": "EQUAL_PRINCIPAL",
        "rounding": "HALF_EVEN",
        "minRate": "0.06",
        "maxRate": "0.2",
        "fees": [{"name": "service", "timing": "SPREAD", "percent": "0.01", "fixed": "5.00"}],
        "penaltyDailyRate": "0.0004",
        "graceDays": 5,
        "defaultDays": 60,
        "fundingChannels": ["BANK_OFFERS", "INVESTOR_NOTES"],
        "cover": {
            "kind": "GUARANTEE",
            "share": "0.75",
            "providerId": guarantor.id,
            "offerId": offer["id"],
        },
        "earlyRepayment": "FULL_PERIOD",
        "transfer": {
            "maxPremium": "0.02",
            "minPriceShare": "0.9",
            "feeRate": "0.004",
            "minFee": "1.00",
        },
        "platformSpread": "0.03",
        "noteSize": "100.00",
        "minInvestment": "200.00",
        "maxInvestorShare": "0.4",
        "fundingDays": 10,
    }

    created = await gql(client, CREATE, {"input": written}, token=operator.token)
    [read] = (await gql(client, PRODUCTS))["data"]["loanProducts"]
    schema = (await gql(client, INPUTS))["data"]["__schema"]["types"]

    assert created["data"]["createLoanProduct"]["errors"] == [], created
    inputs = {t["name"]: [f["name"] for f in t["inputFields"] or []] for t in schema}
    # every field of the input (and of its nested inputs) is written by this test ...
    assert _fields(inputs, "LoanProductInput") == set(written)
    assert _fields(inputs, "CoverInput") == set(written["cover"])
    assert _fields(inputs, "TransferRulesInput") == set(written["transfer"])
    assert _fields(inputs, "FeeRuleInput") == set(written["fees"][0])
    # ... and read back under its own name
    assert {name: _read(read[name]) for name in written} == written
    assert read["minAmount"]["currency"] == "CNY"
