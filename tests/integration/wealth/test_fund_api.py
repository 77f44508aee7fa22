"""A fund over GraphQL: an operator lists it, the asset manager's API key publishes a day,
an investor buys and redeems; holdings show yesterday's income; the manager's book, the
events its key may follow, and what another manager's key is refused."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.clock import FixedClock, SystemClock, today
from domain.events.tables import OutboxEvent
from domain.wealth.services.daily_income import post_daily_income
from support.covers import provider
from support.graphql import gql
from support.lending_world import fund_wallet
from support.security import create_person, key_of

CREATE = """mutation F($input: CreateFundInput!) {
  createFund(input: $input) { fund { id state caps { instantDailyQuota { amount } } }
    errors { code field } } }"""
PUBLISH = """mutation P($input: PublishFundIncomeInput!) {
  publishFundIncome(input: $input) { fundDay { day incomePer10k postedAt }
    errors { code field message } } }"""
BUY = """mutation B($input: SubscribeFundInput!, $key: String!) {
  subscribeFund(input: $input, idempotencyKey: $key) {
    holding { units { amount } } idempotency { replayed } errors { code field message } } }"""
SELL = """mutation S($input: RedeemFundInput!, $key: String!) {
  redeemFund(input: $input, idempotencyKey: $key) {
    redemption { state instant { amount } pending { amount } dueOn }
    holding { units { amount } } errors { code field message } } }"""
MINE = """{ myFundHoldings { units { amount } yesterdayIncome { amount } incomeDay
  totalIncome { amount } fund { name incomePer10k sevenDayYield } } }"""
BOOKS = """{ managedFunds { fund { id } units { amount } holders residue { amount }
  managementFees { amount } incomeThrough } }"""


async def test_a_fund_from_listing_to_yesterdays_income_over_graphql(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    manager, key = await provider(app, client, operator, "ASSET_MANAGER", ["FUNDS_WRITE"])
    _, reader = await provider(app, client, operator, "ASSET_MANAGER", ["FUNDS_READ"])
    alice = await create_person(app, "Alice", roles=["INVESTOR"])
    terms = {"name": "Agora Cash", "managerId": manager.id, "managementFeeRate": "0.003"}
    listed = await gql(client, CREATE, {"input": terms}, token=operator.token)
    fund = listed["data"]["createFund"]["fund"]
    assert fund["state"] == "OPEN"
    assert fund["caps"]["instantDailyQuota"]["amount"] == "10000.00"
    sessions = app.state.services.stores.sessions
    await fund_wallet(sessions, FixedClock(SystemClock().now()), key_of(alice.id or ""), 50_000_00)

    buy = {"fundId": fund["id"], "amount": "20000.00", "currency": "CNY"}
    bought = await gql(client, BUY, {"input": buy, "key": "buy-1"}, token=alice.token)
    again = await gql(client, BUY, {"input": buy, "key": "buy-1"}, token=alice.token)
    assert bought["data"]["subscribeFund"]["holding"]["units"]["amount"] == "20000.00"
    assert again["data"]["subscribeFund"]["idempotency"]["replayed"] is True

    # As if the fund had been listed, and bought, two days ago.
    day_before = today(SystemClock()) - timedelta(days=2)
    async with sessions() as session:
        conn = await session.connection()
        fund_key = key_of(fund["id"])
        await conn.execute(
            text("UPDATE wealth_fund SET launched_on = :d, income_through = :d WHERE id = :f"),
            {"d": day_before, "f": fund_key},
        )
        await conn.execute(
            text("UPDATE wealth_movement SET day = :d WHERE fund_id = :f"),
            {"d": day_before, "f": fund_key},
        )
        await session.commit()
    yesterday = (day_before + timedelta(days=1)).isoformat()
    day = {"fundId": fund["id"], "day": yesterday, "incomePer10k": "0.6512"}
    refused = await gql(client, PUBLISH, {"input": day}, token=reader)  # funds:read only
    assert refused["data"]["publishFundIncome"]["errors"][0]["code"] == "FORBIDDEN"
    published = await gql(client, PUBLISH, {"input": day}, token=key)
    assert published["data"]["publishFundIncome"]["fundDay"] == {
        "day": yesterday,
        "incomePer10k": "0.6512",
        "postedAt": None,
    }
    assert await post_daily_income(sessions, SystemClock()) == 1

    [mine] = (await gql(client, MINE, token=alice.token))["data"]["myFundHoldings"]
    # 20,000.00 x 0.6512 / 10,000 = 1.3024 -> 1.30
    assert mine == {
        "units": {"amount": "20001.30"},
        "yesterdayIncome": {"amount": "1.30"},
        "incomeDay": yesterday,
        "totalIncome": {"amount": "1.30"},
        "fund": {"name": "Agora Cash", "incomePer10k": "0.6512", "sevenDayYield": None},
    }
    sell = {"fundId": fund["id"], "amount": "12000.00", "currency": "CNY", "speed": "INSTANT"}
    sold = (await gql(client, SELL, {"input": sell, "key": "s-1"}, token=alice.token))["data"]
    redemption = sold["redeemFund"]["redemption"]
    assert (redemption["state"], redemption["instant"], redemption["pending"]) == (
        "PENDING",
        {"amount": "10000.00"},
        {"amount": "2000.00"},
    )
    assert sold["redeemFund"]["holding"]["units"] == {"amount": "8001.30"}

    [book] = (await gql(client, BOOKS, token=manager.token))["data"]["managedFunds"]
    assert book["units"] == {"amount": "8001.30"}
    assert book["holders"] == 1
    assert book["residue"] == {"amount": "0.00"}  # 1.3024 -> the fund's 1.30 too
    assert book["managementFees"] == {"amount": "0.16"}  # 20,000.00 x 0.3 % / 365 = 0.164
    assert book["incomeThrough"] == yesterday
    assert (await gql(client, BOOKS, token=reader))["data"]["managedFunds"] == []  # not its fund

    async with sessions() as session:
        events = list((await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.id)))).all())
    wealth = [(e.type, set(e.audience)) for e in events if e.type.startswith("wealth.")]
    assert wealth == [
        ("wealth.income_posted", {key_of(manager.id or "")}),
        ("wealth.redemption_updated", {key_of(alice.id or ""), key_of(manager.id or "")}),
    ]
