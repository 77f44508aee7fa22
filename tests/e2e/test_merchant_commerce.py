"""Merchant commerce end to end over HTTP against a real `agora serve`: a merchant's key sells
with a three-party split, escrow holds the shopper's money, the worker (its clock moved on)
releases it after shipment, the merchant refunds part, the next day's settlement pays out,
and `agora ledger verify` finds the books balanced."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.worker import JOBS, run_job, worker_context
from domain.clock import FixedClock, SystemClock
from support.cli import agora_here
from support.factories import make_operator
from support.graphql import gql, log_in, signed_in
from support.server import ServerProcess, server_env
from support.stores import StoreUrls, make_settings

KEY = """mutation { createApiKey(input: {name: "till",
  scopes: [PAYMENTS_READ, PAYMENTS_WRITE, PAYOUTS_READ]}) { secret errors { code } } }"""
SEED = """mutation S($i: AdjustWalletInput!) { adjustWallet(input: $i, idempotencyKey: "seed") {
  errors { code } } }"""
RULE = """mutation R($i: CreateSplitRuleInput!) { createSplitRule(input: $i) {
  splitRule { id } errors { code message } } }"""
CREATE = """mutation C($i: CreatePaymentIntentInput!) { createPaymentIntent(input: $i,
  idempotencyKey: "order-e2e") { paymentIntent { id state } errors { code message } } }"""
PAY = """mutation P($id: ID!) { payIntent(paymentId: $id, idempotencyKey: "pay-e2e") {
  paymentIntent { state } errors { code } } }"""
SHIP = """mutation S($id: ID!) { confirmShipment(paymentId: $id) {
  paymentIntent { autoReleaseAt } errors { code } } }"""
INTENT = """query I($id: ID!) { paymentIntent(id: $id) { state fee { amount }
  splits { role amount { amount } } refundable { amount } } }"""
REFUND = """mutation R($i: RefundPaymentInput!) {
  refundPayment(input: $i, idempotencyKey: "r-e2e") {
    refund { amount { amount } } errors { code message } } }"""
WALLET = '{ wallet(currency: "CNY") { available { amount } held { amount } } }'
SETTLEMENTS = """{ settlementBatches { id gross { amount } refunds { amount } net { amount }
  payout { amount } } payouts { state amount { amount } } }"""
CSV = "query C($id: ID!) { settlementReportCsv(batchId: $id) }"


async def _work(stores: StoreUrls, sessions: object, clock: FixedClock) -> dict[str, int]:
    """The worker's payment jobs, once, on its clock (moved on: time travel)."""
    async with worker_context(make_settings(stores), sessions, clock) as context:  # type: ignore[arg-type]
        return {
            job.name: await run_job(job, context)
            for job in JOBS
            if job.name in ("escrow-auto-release", "settlement")
        }


async def _data(client: httpx.AsyncClient, query: str, token: str, **variables: Any) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_a_sale_from_checkout_to_payout(server: ServerProcess, stores: StoreUrls) -> None:
    email = await make_operator(stores, stem="commerce-operator")
    engine = create_async_engine(stores.database_url)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        operator = (await log_in(client, email))["accessToken"]
        merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
        referrer = await signed_in(client, roles=["INVESTOR"])
        shopper = await signed_in(client, roles=["INVESTOR"])
        key = (await _data(client, KEY, merchant.access_token))["secret"]
        seed = {
            "participantId": shopper.id,
            "amount": "1000.00",
            "currency": "CNY",
            "reason": "the shopper's savings",
        }
        assert (await _data(client, SEED, operator, i=seed))["errors"] == []
        shares = [
            {"role": "MERCHANT", "partyId": merchant.id, "percentBps": 8000},
            {"role": "REFERRER", "partyId": referrer.id, "percentBps": 1500},
            {"role": "PLATFORM", "percentBps": 500},
        ]
        rule = {"name": "three ways", "currency": "CNY", "shares": shares, "isDefault": True}
        assert (await _data(client, RULE, key, i=rule))["errors"] == []

        # the merchant's key creates the intent; the shopper pays it into escrow
        order = {"amount": "300.00", "currency": "CNY", "orderReference": "E2E-1"}
        payment = (await _data(client, CREATE, key, i=order))["paymentIntent"]["id"]
        assert (await _data(client, PAY, shopper.access_token, id=payment))["paymentIntent"] == {
            "state": "HELD"
        }
        assert await _data(client, WALLET, shopper.access_token) == {
            "available": {"amount": "700.00"},
            "held": {"amount": "300.00"},
        }

        # the merchant ships; ten days later by the worker's clock, the money is released
        assert (await _data(client, SHIP, key, id=payment))["errors"] == []
        later = FixedClock(SystemClock().now() + timedelta(days=10, minutes=1))
        done = await _work(stores, sessions, later)
        assert done["escrow-auto-release"] >= 1
        seen = await _data(client, INTENT, key, id=payment)
        assert seen["state"] == "RELEASED"
        assert seen["fee"] == {"amount": "1.80"}  # the standard 0.60 %
        assert [(s["role"], s["amount"]["amount"]) for s in seen["splits"]] == [
            ("MERCHANT", "238.56"),
            ("REFERRER", "44.73"),
            ("PLATFORM", "14.91"),
        ]

        # the merchant refunds a third
        refund = {"paymentId": payment, "amount": "100.00", "currency": "CNY", "reason": "one back"}
        assert (await _data(client, REFUND, key, i=refund))["errors"] == []
        assert (await _data(client, INTENT, key, id=payment))["refundable"] == {"amount": "200.00"}

        # the day after the release, the settlement batch pays the merchant out
        next_day = FixedClock(later.now() + timedelta(days=1))
        await _work(stores, sessions, next_day)
        settled = (await gql(client, SETTLEMENTS, token=key))["data"]
        [batch] = settled["settlementBatches"]
        assert (batch["gross"], batch["refunds"]) == ({"amount": "300.00"}, {"amount": "100.00"})
        assert batch["payout"] == batch["net"]
        assert settled["payouts"] == [{"state": "PAID", "amount": batch["payout"]}]
        csv = await _data(client, CSV, key, id=batch["id"])
        assert csv.splitlines()[0].startswith("row,reference,date,gross")
        assert await _data(client, WALLET, merchant.access_token) == {
            "available": {"amount": "0.00"},
            "held": {"amount": "0.00"},
        }
    await engine.dispose()

    verify = await asyncio.to_thread(agora_here, "ledger", "verify", env=server_env(stores))
    assert verify.returncode == 0, verify.stdout
