"""An API key does what its scopes say and nothing else, whatever roles its owner holds.

Found from outside (issue 17): a key with only profile:read, of an owner holding INVESTOR,
created an auto-invest rule, and the next loan listed held 100.00 of that owner's wallet.
Auto-invest is a person's own decision: no key may reach it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from support.graphql import gql
from support.lending import verified_borrower
from support.security import Caller, create_key, create_person, running_app
from support.stores import StoreUrls

RULE_TERMS = {
    "currency": "CNY",
    "grades": ["A", "B", "C", "D", "E"],
    "minTermMonths": 1,
    "maxTermMonths": 36,
    "minRate": "0.01",
    "maxPerLoan": "100.00",
    "dailyBudget": "1000.00",
}
CREATE_RULE = """mutation C($input: AutoInvestRuleInput!) {
  createAutoInvestRule(input: $input) { rule { id } errors { code } } }"""
UPDATE_RULE = """mutation U($id: ID!, $input: AutoInvestRuleInput!) {
  updateAutoInvestRule(id: $id, input: $input, active: true) { rule { id } errors { code } } }"""
DELETE_RULE = """mutation D($id: ID!) { deleteAutoInvestRule(id: $id) { errors { code } } }"""
MY_RULES = "{ myAutoInvestRules { id active maxPerLoan { amount } } }"
FUND = """mutation F($input: AdjustWalletInput!) {
  adjustWallet(input: $input, idempotencyKey: "fund-the-owner") { errors { code } } }"""
PRODUCT = """mutation P($input: LoanProductInput!) {
  createLoanProduct(input: $input) { product { id } errors { code message } } }"""
APPLY = """mutation A($input: ApplyForLoanInput!) {
  applyForLoan(input: $input) { application { id status } errors { code message } } }"""
ACCEPT = """mutation A($id: ID!) {
  acceptLoanOffer(applicationId: $id, idempotencyKey: "accept") {
    loan { id state } errors { code message } } }"""
WALLET = '{ wallet(currency: "CNY") { available { amount } held { amount } } }'


@dataclass
class Attack:
    app: Starlette
    client: httpx.AsyncClient
    operator: Caller
    owner: Caller  # an investor who is also a merchant, so may hold API keys
    key: str  # the owner's key with profile:read alone


@pytest.fixture
async def attack(stores: StoreUrls) -> AsyncIterator[Attack]:
    async with running_app(stores) as (app, client):
        operator = await create_person(app, "operator", roles=["OPERATOR"])
        owner = await create_person(app, "owner", roles=["INVESTOR", "MERCHANT"], kind="BUSINESS")
        _, key = await create_key(client, owner, ["PROFILE_READ"])
        funded = await gql(
            client,
            FUND,
            {
                "input": {
                    "participantId": owner.id,
                    "amount": "1000.00",
                    "currency": "CNY",
                    "reason": "the owner's savings",
                }
            },
            token=operator.token,
        )
        assert funded["data"]["adjustWallet"]["errors"] == [], funded
        yield Attack(app, client, operator, owner, key)


async def _rules_in_the_database(app: Starlette) -> int:
    async with app.state.services.stores.sessions() as session:
        connection = await session.connection()
        return int(
            (await connection.execute(text("SELECT count(*) FROM auto_invest_rule"))).one()[0]
        )


async def _list_a_loan(a: Attack) -> None:
    """A verified borrower's loan, applied for and accepted: listed, and matched at once."""
    product = await gql(
        a.client,
        PRODUCT,
        {
            "input": {
                "code": "SCOPES",
                "name": "Scopes loan",
                "currency": "CNY",
                "minAmount": "1000.00",
                "maxAmount": "50000.00",
                "minTermMonths": 3,
                "maxTermMonths": 24,
                "repaymentMethod": "EQUAL_INSTALLMENT",
                "minRate": "0.05",
                "maxRate": "0.24",
            }
        },
        token=a.operator.token,
    )
    assert product["data"]["createLoanProduct"]["errors"] == [], product
    borrower = await verified_borrower(a.app)
    applied = await gql(
        a.client,
        APPLY,
        {
            "input": {
                "productId": product["data"]["createLoanProduct"]["product"]["id"],
                "amount": "10000.00",
                "currency": "CNY",
                "termMonths": 12,
                "purpose": "a used car",
                "declaredMonthlyIncome": "20000.00",
            }
        },
        token=borrower.token,
    )
    application = applied["data"]["applyForLoan"]["application"]
    assert application["status"] == "APPROVED", applied
    accepted = await gql(a.client, ACCEPT, {"id": application["id"]}, token=borrower.token)
    assert accepted["data"]["acceptLoanOffer"]["errors"] == [], accepted


async def test_a_profile_read_key_cannot_make_auto_invest_rules_spend_its_owners_wallet(
    attack: Attack,
) -> None:
    created = await gql(attack.client, CREATE_RULE, {"input": RULE_TERMS}, token=attack.key)
    listed = await gql(attack.client, MY_RULES, token=attack.key)
    await _list_a_loan(attack)
    wallet = await gql(attack.client, WALLET, token=attack.owner.token)

    assert created["data"]["createAutoInvestRule"] == {
        "rule": None,
        "errors": [{"code": "FORBIDDEN"}],
    }
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert listed["data"] is None
    assert await _rules_in_the_database(attack.app) == 0
    assert wallet["data"]["wallet"] == {
        "available": {"amount": "1000.00"},
        "held": {"amount": "0.00"},
    }


async def test_no_key_may_change_or_delete_its_owners_rule(attack: Attack) -> None:
    """Even a key with every scope its owner may grant: the rule is the person's to manage."""
    _, full_key = await create_key(
        attack.client,
        attack.owner,
        [
            "PROFILE_READ",
            "EVENTS_READ",
            "WALLET_READ",
            "PAYMENTS_READ",
            "PAYMENTS_WRITE",
            "PAYOUTS_READ",
            "WEBHOOKS_READ",
            "WEBHOOKS_WRITE",
        ],
    )
    made = await gql(attack.client, CREATE_RULE, {"input": RULE_TERMS}, token=attack.owner.token)
    rule = made["data"]["createAutoInvestRule"]["rule"]["id"]
    larger = {**RULE_TERMS, "maxPerLoan": "1000.00"}

    changed = await gql(attack.client, UPDATE_RULE, {"id": rule, "input": larger}, token=full_key)
    deleted = await gql(attack.client, DELETE_RULE, {"id": rule}, token=full_key)
    by_key = await gql(attack.client, CREATE_RULE, {"input": RULE_TERMS}, token=full_key)
    mine = await gql(attack.client, MY_RULES, token=attack.owner.token)

    assert changed["data"]["updateAutoInvestRule"]["errors"] == [{"code": "FORBIDDEN"}]
    assert deleted["data"]["deleteAutoInvestRule"]["errors"] == [{"code": "FORBIDDEN"}]
    assert by_key["data"]["createAutoInvestRule"]["errors"] == [{"code": "FORBIDDEN"}]
    assert mine["data"]["myAutoInvestRules"] == [
        {"id": rule, "active": True, "maxPerLoan": {"amount": "100.00"}}
    ]
    assert await _rules_in_the_database(attack.app) == 1
