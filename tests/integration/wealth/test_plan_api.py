"""Lending plans over GraphQL: a plan's lock-up (the whole term unless given) refuses an early
exit with PLAN_LOCKED_UP; after it an investor leaves with its share less the fee, once, and
reads its exit's state;
the worker's job matures and exits a plan, and each investor reads its payout and is told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import text
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.clock import FixedClock, SystemClock
from domain.events.tables import OutboxEvent
from domain.lending.tables import LoanNote, NoteSale
from domain.money import Money
from domain.participants.roles import Role
from domain.wealth.plan_exit import early_exit_fee
from domain.wealth.services.plan_exit import exit_lending_plans
from domain.wealth.services.plan_exit_payouts import settle_early_exits
from domain.wealth.services.plans import start_closed_plans
from graph.relay import to_global_id
from support.crowdfunding import ledger_consistent
from support.graphql import gql
from support.lending_world import fund_wallet, listed_loan, participant, product_row
from support.security import create_person, key_of
from support.wealth_plans import match, plan_input

PUBLISH = """mutation P($input: PublishLendingPlanInput!) {
  publishLendingPlan(input: $input) { plan { id lockupMonths earlyExitFeeRate maturesAt
    exitDeadline } errors { code field message } } }"""
JOIN = """mutation J($id: ID!, $key: String!) {
  joinLendingPlan(input: {planId: $id, amount: "3000.00", currency: "CNY"}, idempotencyKey: $key) {
    stake { id } errors { code } } }"""
LEAVE = """mutation L($id: ID!, $key: String!) {
  leaveLendingPlan(input: {planId: $id}, idempotencyKey: $key) {
    stake { id payout { amount } exitFee { amount } exitedAt cash { amount } accrued { amount }
      exit { state cash { amount } notes { amount } received { amount } fee { amount }
        paid { amount } deadline doneAt } }
    idempotency { replayed } errors { code field message } } }"""
STAKES = """{ myPlanStakes { id plan { id state realised { amount } fee { amount } }
  amount { amount } payout { amount } exitedAt } }"""


async def _close(app: Starlette, plan_id: str, ago: timedelta) -> None:
    """As if the plan's window had closed `ago`, and the worker's job started it."""
    sessions = app.state.services.stores.sessions
    async with sessions() as session:
        await (await session.connection()).execute(
            text(
                "UPDATE wealth_plan SET closes_at = CAST(:at AS timestamptz), "
                "opens_at = CAST(:at AS timestamptz) - interval '7 days' WHERE id = :id"
            ),
            {"at": SystemClock().now() - ago, "id": key_of(plan_id)},
        )
        await session.commit()
    await start_closed_plans(sessions, SystemClock())


async def test_a_plan_locks_up_lets_go_after_and_exits_over_graphql(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    alice = await create_person(app, "Alice", roles=["INVESTOR"])
    bob = await create_person(app, "Bob", roles=["INVESTOR"])
    sessions = app.state.services.stores.sessions
    for who in (alice, bob):
        await fund_wallet(
            sessions, FixedClock(SystemClock().now()), key_of(who.id or ""), 10_000_00
        )
    locked = await gql(client, PUBLISH, {"input": plan_input("Locked")}, token=operator.token)
    free = await gql(
        client,
        PUBLISH,
        {"input": plan_input("Free", lockupMonths=0, earlyExitFeeRate="0.01")},
        token=operator.token,
    )
    locked_plan = locked["data"]["publishLendingPlan"]["plan"]
    free_plan = free["data"]["publishLendingPlan"]["plan"]
    assert (locked_plan["lockupMonths"], free_plan["lockupMonths"]) == (3, 0)
    for n, plan in enumerate((locked_plan, free_plan)):
        for who in (alice, bob):
            joined = await gql(
                client, JOIN, {"id": plan["id"], "key": f"join-{n}"}, token=who.token
            )
            assert joined["data"]["joinLendingPlan"]["errors"] == []
        await _close(app, plan["id"], timedelta(minutes=1))

    refused = await gql(client, LEAVE, {"id": locked_plan["id"], "key": "l1"}, token=alice.token)
    assert refused["data"]["leaveLendingPlan"]["errors"][0]["code"] == "PLAN_LOCKED_UP"
    left = await gql(client, LEAVE, {"id": free_plan["id"], "key": "l2"}, token=alice.token)
    again = await gql(client, LEAVE, {"id": free_plan["id"], "key": "l2"}, token=alice.token)
    stake = left["data"]["leaveLendingPlan"]["stake"]
    assert (stake["payout"]["amount"], stake["exitFee"]["amount"]) == ("2970.00", "30.00")
    assert (stake["cash"]["amount"], stake["accrued"]["amount"]) == ("0.00", "0.00")
    # A plan holding only cash: its share paid at once, nothing to sell, the exit DONE
    assert {k: v for k, v in stake["exit"].items() if k not in ("deadline", "doneAt")} == {
        "state": "DONE",
        "cash": {"amount": "3000.00"},
        "notes": {"amount": "0.00"},
        "received": {"amount": "3000.00"},
        "fee": {"amount": "30.00"},
        "paid": {"amount": "2970.00"},
    }
    assert stake["exit"]["doneAt"] is not None
    assert again["data"]["leaveLendingPlan"]["idempotency"]["replayed"] is True

    # Three months and eight days on: the job matures the plan and, past its deadline, exits.
    await _close(app, free_plan["id"], timedelta(days=31 * 3 + 8))
    assert await exit_lending_plans(sessions, SystemClock()) >= 2
    mine = await gql(client, STAKES, token=bob.token)
    [exited] = [s for s in mine["data"]["myPlanStakes"] if s["plan"]["id"] == free_plan["id"]]
    assert exited["plan"]["state"] == "EXITED"
    assert exited["payout"]["amount"] == exited["plan"]["realised"]["amount"] == "3000.00"
    assert exited["plan"]["fee"]["amount"] == "0.00"  # it earned nothing: no fee
    async with sessions() as session:
        told = (
            await session.exec(
                select(OutboxEvent).where(
                    col(OutboxEvent.type) == "wealth.plan_matured",
                    col(OutboxEvent.aggregate_id) == str(key_of(exited["id"])),
                )
            )
        ).all()
    assert sorted(e.payload["state"] for e in told) == ["EXITED", "MATURED"]


EXIT = """mutation L($id: ID!, $key: String!) {
  leaveLendingPlan(input: {planId: $id}, idempotencyKey: $key) {
    stake { notes { amount } exit { state cash { amount } notes { amount } paid { amount } } }
    errors { code } } }"""
BUY = """mutation B($id: ID!, $key: String!) {
  buyListedNote(saleId: $id, idempotencyKey: $key) { errors { code message } } }"""
MY_EXIT = """{ myPlanStakes { id notes { amount } exit { state received { amount } fee { amount }
  paid { amount } } } }"""


async def test_an_exit_lists_the_share_of_the_notes_and_pays_as_they_sell_over_graphql(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    alice, bob, carol = [
        await create_person(app, name, roles=["INVESTOR"]) for name in ("Alice", "Bob", "Carol")
    ]
    sessions = app.state.services.stores.sessions
    for who in (alice, bob, carol):
        await fund_wallet(
            sessions, FixedClock(SystemClock().now()), key_of(who.id or ""), 10_000_00
        )
    terms = plan_input(
        "Notes", lockupMonths=0, earlyExitFeeRate="0.01", maxLoanShare="0.5", grades=["B"]
    )
    published = await gql(client, PUBLISH, {"input": terms}, token=operator.token)
    plan_id = published["data"]["publishLendingPlan"]["plan"]["id"]
    for who in (alice, bob):
        await gql(client, JOIN, {"id": plan_id, "key": "join"}, token=who.token)
    await _close(app, plan_id, timedelta(days=2))
    # A day after it started, the plan funds a 2,000.00 loan through the matching engine.
    clock = FixedClock(SystemClock().now() - timedelta(days=1))
    borrower = await participant(sessions, clock, {Role.BORROWER})
    loan = await listed_loan(
        sessions, clock, borrower.require_participant(), principal=2_000_00, term_months=3,
        rate=Decimal("0.12"), product=product_row(clock.now(), max_investor_share=Decimal(1)),
    )  # fmt: skip
    await match(sessions, clock, loan)

    left = await gql(client, EXIT, {"id": plan_id, "key": "leave"}, token=alice.token)
    answer = left["data"]["leaveLendingPlan"]
    assert answer["errors"] == []
    assert answer["stake"]["notes"] == {"amount": "1000.00"}  # what the exit still holds
    assert answer["stake"]["exit"] == {
        "state": "PENDING",
        "cash": {"amount": "2000.00"},
        "notes": {"amount": "1000.00"},
        "paid": {"amount": "1980.00"},
    }
    async with sessions() as session:
        [sale] = (
            await session.exec(
                select(NoteSale)
                .join(LoanNote, col(LoanNote.id) == col(NoteSale.note_id))
                .where(col(LoanNote.loan_id) == loan.id, col(NoteSale.status) == "OPEN")
            )
        ).all()
    bought = await gql(
        client, BUY, {"id": to_global_id("NoteSale", sale.id), "key": "buy"}, token=carol.token
    )
    assert bought["data"]["buyListedNote"]["errors"] == []
    assert await settle_early_exits(sessions, SystemClock()) == 1

    mine = await gql(client, MY_EXIT, token=alice.token)
    [stake] = mine["data"]["myPlanStakes"]
    brought = 2_000_00 + sale.price - sale.transfer_fee
    fee = early_exit_fee(brought, Decimal("0.01"))
    assert stake["notes"] == {"amount": "0.00"}
    assert stake["exit"] == {
        "state": "DONE",
        "received": {"amount": Money(brought, "CNY").to_decimal_string()},
        "fee": {"amount": Money(fee, "CNY").to_decimal_string()},
        "paid": {"amount": Money(brought - fee, "CNY").to_decimal_string()},
    }
    async with sessions() as session:
        told = (
            await session.exec(
                select(OutboxEvent)
                .where(
                    col(OutboxEvent.type) == "wealth.plan_exit_updated",
                    col(OutboxEvent.aggregate_id) == str(key_of(stake["id"])),
                )
                .order_by(col(OutboxEvent.id))
            )
        ).all()
    assert [e.payload["state"] for e in told] == ["PENDING", "DONE"]
    assert await ledger_consistent(sessions)
