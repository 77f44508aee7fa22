"""The guarantee fund is real: operators fund it from the platform's own money (idempotent,
audited), it pays defaults of the products it guarantees, and a default it cannot fully
cover says so, in its event and in the operator's view of the fund."""

from __future__ import annotations

import httpx
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.audit.tables import AuditEntry
from domain.events.tables import OutboxEvent
from support.covers import (
    FUND,
    FUND_VIEW,
    RECEIVED,
    create_product,
    default,
    ledger_consistent,
    now_clock,
    sold_loan,
)
from support.graphql import gql
from support.security import create_person, key_of

GUARANTEED = {"cover": {"kind": "GUARANTEE", "share": "1"}}  # no provider: the platform's fund


async def test_operators_fund_the_guarantee_fund_and_it_pays_defaults_or_reports_its_shortfall(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    clock = now_clock()
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    investor = await create_person(app, "Investor", roles=["INVESTOR"])
    money = {"input": {"amount": "15000.00", "currency": "CNY"}, "key": "fund-1"}
    funded = await gql(client, FUND, money, token=operator.token)
    replayed = await gql(client, FUND, money, token=operator.token)
    by_investor = await gql(client, FUND, {**money, "key": "x"}, token=investor.token)
    created = await create_product(client, operator, **GUARANTEED)
    assert created["errors"] == [], created
    product_id = created["product"]["id"]
    first, first_funders = await sold_loan(app, client, clock, product_id, "one")
    before = (await gql(client, FUND_VIEW, token=operator.token))["data"]["guaranteeFund"]

    await default(app, first)  # 10,000 owed: paid in full
    # (sold only now: the worker's job defaults every loan past the threshold on its day)
    second, _ = await sold_loan(app, client, clock, product_id, "two")
    await default(app, second)  # 10,000 owed, 5,000 left in the fund

    after = (await gql(client, FUND_VIEW, token=operator.token))["data"]["guaranteeFund"]
    seen_by_investor = await gql(client, FUND_VIEW, token=investor.token)
    assert (
        funded["data"]["fundGuaranteeFund"]
        == replayed["data"]["fundGuaranteeFund"]
        == {
            "guaranteeFund": {
                "balance": {"amount": "15000.00"},
                "contributed": {"amount": "15000.00"},
            },
            "errors": [],
        }
    )
    assert by_investor["data"]["fundGuaranteeFund"]["errors"][0]["code"] == "FORBIDDEN"
    assert seen_by_investor["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert before["balance"] == {"amount": "15000.00"}
    assert before["covered"] == {"amount": "10000.00"}  # the live loan's principal
    assert after == {
        "currency": "CNY",
        "balance": {"amount": "0.00"},
        "contributed": {"amount": "15000.00"},
        "covered": {"amount": "0.00"},
        "paid": {"amount": "15000.00"},
        "shortfall": {"amount": "5000.00"},
        "shortfalls": [
            {
                "loanId": second,
                "owed": {"amount": "10000.00"},
                "paid": {"amount": "5000.00"},
                "shortfall": {"amount": "5000.00"},
            }
        ],
    }
    received = await gql(client, RECEIVED, token=first_funders[0].token)
    assert received["data"]["repaymentsReceived"] == [
        {"loanId": first, "kind": "GUARANTEE_FUND", "principal": {"amount": "6000.00"}}
    ]
    async with app.state.services.stores.sessions() as session:
        audits = (
            await session.exec(
                select(AuditEntry).where(col(AuditEntry.action) == "lending.guarantee_fund.fund")
            )
        ).all()
        events = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.loan_defaulted")
            )
        ).all()
    assert [(a.actor_id, a.details["amount"]) for a in audits] == [
        (key_of(operator.id or ""), 1_500_000)
    ]
    assert {e.version for e in events} == {2}
    shortfalls = {e.aggregate_id: (e.payload["cover_due"], e.payload["shortfall"]) for e in events}
    assert shortfalls == {
        str(key_of(first)): (1_000_000, 0),
        str(key_of(second)): (1_000_000, 500_000),
    }
    assert await ledger_consistent(app)
