"""Lending plans over GraphQL: a plan's lock-up (the whole term unless given) refuses an early
exit with PLAN_LOCKED_UP; after it an investor leaves with its share less the fee, once;
the worker's job matures and exits a plan, and each investor reads its payout and is told."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.clock import FixedClock, SystemClock
from domain.events.tables import OutboxEvent
from domain.wealth.services.plan_exit import exit_lending_plans
from domain.wealth.services.plans import start_closed_plans
from support.graphql import gql
from support.lending_world import fund_wallet
from support.security import create_person, key_of
from support.wealth_plans import plan_input

PUBLISH = """mutation P($input: PublishLendingPlanInput!) {
  publishLendingPlan(input: $input) { plan { id lockupMonths earlyExitFeeRate maturesAt
    exitDeadline } errors { code field message } } }"""
JOIN = """mutation J($id: ID!, $key: String!) {
  joinLendingPlan(input: {planId: $id, amount: "3000.00", currency: "CNY"}, idempotencyKey: $key) {
    stake { id } errors { code } } }"""
LEAVE = """mutation L($id: ID!, $key: String!) {
  leaveLendingPlan(input: {planId: $id}, idempotencyKey: $key) {
    stake { id payout { amount } exitFee { amount } exitedAt cash { amount } }
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
    assert stake["cash"]["amount"] == "0.00"
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
