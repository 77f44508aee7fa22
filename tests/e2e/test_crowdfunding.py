"""Crowdfunding against a running `agora serve`, over HTTP and WebSocket: a reward campaign
that succeeds (three backers, a tier that sells out, a cancellation, the creator hearing
campaignUpdated live), one that fails (every hold released, wallets back to the cent), an
equity offering (an investor refused by the limit, the cap table exact) and a debt campaign
that becomes a loan repaid to its backers. The deadline job runs as `agora worker` runs it,
on a clock past the deadline; `agora ledger verify` passes after each."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from gql import Client
from gql import gql as document
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.worker import JOBS, run_job, worker_context
from domain.clock import FixedClock
from support.cli import agora_here
from support.factories import make_operator
from support.graphql import Person, gql, log_in, signed_in
from support.security import unique_resident_id
from support.server import ServerProcess, server_env
from support.stores import StoreUrls, make_settings

Q = {
    "kyc": "mutation($i: SubmitKycInput!) { submitKyc(input: $i) { submission { id } } }",
    "decide": "mutation($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }",
    "adjust": """mutation($i: AdjustWalletInput!, $k: String!) { adjustWallet(input: $i,
        idempotencyKey: $k) { errors { code } } }""",
    "create": """mutation($i: CreateCampaignInput!) { createCampaign(input: $i) {
        campaign { id state tiers { id } } errors { code field message } } }""",
    "submit": """mutation($id: ID!) { submitCampaign(campaignId: $id) {
        campaign { state } errors { code message } } }""",
    "review": """mutation($id: ID!) { reviewCampaign(input: {campaignId: $id, approve: true}) {
        campaign { state deadline } errors { code message } } }""",
    "pledge": """mutation($i: PledgeInput!, $k: String!) { pledge(input: $i, idempotencyKey: $k) {
        pledge { id state } campaign { pledged { amount } backers }
        errors { code field message } } }""",
    "cancel": """mutation($id: ID!, $k: String!) { cancelPledge(pledgeId: $id, idempotencyKey: $k) {
        pledge { state } errors { code message } } }""",
    "campaign": """query($id: ID!) { campaign(id: $id) { state pledged { amount } backers
        captured { amount } fee { amount } tiers { taken remaining }
        equity { sharesAllotted } debt { loanId } } }""",
    "capTable": "query($id: ID!) { capTable(campaignId: $id) { shares paid { amount } } }",
    "wallet": 'query { wallet(currency: "CNY") { available { amount } held { amount } } }',
    "product": """mutation($i: LoanProductInput!) { createLoanProduct(input: $i) {
        product { id } errors { code field message } } }""",
    "loans": """query { myLoans { id state installments { principal { amount }
        interest { amount } } } }""",
    "repay": """mutation($i: RepayLoanInput!, $k: String!) { repayLoan(input: $i,
        idempotencyKey: $k) { loan { state } errors { code message } } }""",
    "portfolio": """query { portfolio { notes { principal { amount }
        principalReceived { amount } interestReceived { amount } } } }""",
}
CAMPAIGN_UPDATED = """subscription($id: ID) { campaignUpdated(campaignId: $id, after: "0") {
    change state pledged { amount } backers tierTaken } }"""
_serial = itertools.count(datetime.now(UTC).microsecond % 500)


async def call(
    client: httpx.AsyncClient, name: str, variables: dict[str, Any] | None, token: str
) -> dict[str, Any]:
    """The payload of the operation `name`; refusals are returned, not raised."""
    body = await gql(client, Q[name], variables, token=token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    return payload  # type: ignore[no-any-return]


async def ok(
    client: httpx.AsyncClient, name: str, variables: dict[str, Any] | None, token: str
) -> Any:
    payload = await call(client, name, variables, token)
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


class World:
    def __init__(self, server: ServerProcess, stores: StoreUrls, client: httpx.AsyncClient):
        self.server, self.stores, self.client = server, stores, client
        self.operator = ""

    async def start(self) -> None:
        email = await make_operator(self.stores, stem="cf-operator")
        self.operator = (await log_in(self.client, email))["accessToken"]

    async def verified(self, kind: str = "PERSON") -> Person:
        person = await signed_in(self.client, roles=["BORROWER"], kind=kind)
        submitted = await ok(
            self.client,
            "kyc",
            {
                "i": {
                    "documentType": "RESIDENT_ID",
                    "legalName": "王五",
                    "documentNumber": unique_resident_id(),
                }
            },
            person.access_token,
        )
        decision = {"submissionId": submitted["submission"]["id"], "decision": "VERIFY"}
        await ok(self.client, "decide", {"i": decision}, self.operator)
        return person

    async def backer(self, funds: str = "1000.00") -> Person:
        person = await signed_in(self.client, roles=["INVESTOR"])
        await ok(
            self.client,
            "adjust",
            {
                "i": {
                    "participantId": person.id,
                    "amount": funds,
                    "currency": "CNY",
                    "reason": "seed funds for crowdfunding",
                },
                "k": f"cf-seed-{person.id}",
            },
            self.operator,
        )
        return person

    async def live(self, creator: Person, campaign: dict[str, Any]) -> dict[str, Any]:
        made = await ok(self.client, "create", {"i": campaign}, creator.access_token)
        cid = made["campaign"]["id"]
        await ok(self.client, "submit", {"id": cid}, creator.access_token)
        reviewed = await ok(self.client, "review", {"id": cid}, self.operator)
        assert reviewed["campaign"]["state"] == "LIVE"
        return {**made["campaign"], "deadline": reviewed["campaign"]["deadline"]}

    async def pledge(self, who: Person, cid: str, amount: str, **extra: Any) -> dict[str, Any]:
        request = {"campaignId": cid, "amount": amount, "currency": "CNY", **extra}
        return await call(
            self.client, "pledge", {"i": request, "k": f"cf-{next(_serial)}"}, who.access_token
        )

    async def wallet(self, who: Person) -> tuple[str, str]:
        found = await ok(self.client, "wallet", None, who.access_token)
        return found["available"]["amount"], found["held"]["amount"]

    async def past_deadline(self, deadline: str) -> None:
        """The worker's deadline job once, as `agora worker` runs it, past the deadline."""
        clock = FixedClock(datetime.fromisoformat(deadline) + timedelta(seconds=1))
        [job] = [job for job in JOBS if job.name == "crowdfunding-deadlines"]
        engine = create_async_engine(self.stores.database_url)
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        try:
            async with worker_context(make_settings(self.stores), sessions, clock) as context:
                assert await run_job(job, context) >= 1
        finally:
            await engine.dispose()

    async def ledger_verified(self) -> None:
        result = await asyncio.to_thread(
            agora_here, "ledger", "verify", env=server_env(self.stores)
        )
        assert result.returncode == 0, result.stdout + result.stderr


async def heard(server: ServerProcess, token: str, cid: str, count: int) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(
        url=server.ws_url, init_payload={"authorization": f"Bearer {token}"}
    )
    received: list[dict[str, Any]] = []
    async with Client(transport=transport) as ws:
        async for event in ws.subscribe(document(CAMPAIGN_UPDATED), variable_values={"id": cid}):
            received.append(event["campaignUpdated"])
            if len(received) == count:
                return received
    raise AssertionError(f"the subscription ended after {len(received)} of {count} events")


def reward(goal: str, tiers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "REWARD",
        "fundingModel": "ALL_OR_NOTHING",
        "goal": goal,
        "currency": "CNY",
        "durationDays": 30,
        "title": "A better kettle",
        "category": "design",
        "tiers": tiers,
    }


async def test_a_reward_campaign_that_succeeds_and_one_that_fails(
    server: ServerProcess, stores: StoreUrls
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        world = World(server, stores, client)
        await world.start()
        creator = await world.verified()
        tier = {"name": "numbered edition", "minimum": "100.00", "quantity": 2}
        live = await world.live(creator, reward("1000.00", [tier]))
        cid, tier_id = live["id"], live["tiers"][0]["id"]
        # the creator listens (from the start): submission, launch, four pledges, one
        # cancellation, success
        listening = asyncio.create_task(heard(server, creator.access_token, cid, 8))
        alice, bob, carol, dan = [await world.backer() for _ in range(4)]

        assert not (await world.pledge(alice, cid, "400.00", tierId=tier_id))["errors"]
        assert not (await world.pledge(bob, cid, "300.00", tierId=tier_id))["errors"]
        sold_out = await world.pledge(carol, cid, "300.00", tierId=tier_id)
        assert [e["code"] for e in sold_out["errors"]] == ["TIER_SOLD_OUT"]
        assert not (await world.pledge(carol, cid, "300.00"))["errors"]
        doomed = await world.pledge(dan, cid, "50.00")
        cancelled = await ok(
            client,
            "cancel",
            {"id": doomed["pledge"]["id"], "k": "cf-cancel"},
            dan.access_token,
        )
        assert cancelled["pledge"]["state"] == "CANCELLED"
        assert await world.wallet(alice) == ("600.00", "400.00")  # held, not captured

        await world.past_deadline(live["deadline"])

        done = await ok(client, "campaign", {"id": cid}, creator.access_token)
        assert done["state"] == "SETTLED"
        assert (done["captured"], done["fee"]) == ({"amount": "1000.00"}, {"amount": "50.00"})
        assert done["tiers"] == [{"taken": 2, "remaining": 0}]
        assert await world.wallet(creator) == ("950.00", "0.00")
        assert await world.wallet(alice) == ("600.00", "0.00")
        assert await world.wallet(dan) == ("1000.00", "0.00")
        events = await asyncio.wait_for(listening, timeout=60)
        assert [e["change"] for e in events] == [
            "SUBMITTED",
            "LAUNCHED",
            "PLEDGED",
            "PLEDGED",
            "PLEDGED",
            "PLEDGED",
            "PLEDGE_CANCELLED",
            "SUCCEEDED",
        ]
        assert events[3]["tierTaken"] == 2
        assert (events[-1]["state"], events[-1]["backers"]) == ("SETTLED", 3)
        await world.ledger_verified()

        # one that fails: every hold released, every wallet back to the cent
        short = await world.live(creator, reward("5000.00", []))
        backers = [await world.backer("123.45") for _ in range(3)]
        for n, who in enumerate(backers):
            assert not (await world.pledge(who, short["id"], f"{10 + n}.01"))["errors"]
        await world.past_deadline(short["deadline"])
        failed = await ok(client, "campaign", {"id": short["id"]}, creator.access_token)
        assert (failed["state"], failed["captured"]) == ("SETTLED", {"amount": "0.00"})
        for who in backers:
            assert await world.wallet(who) == ("123.45", "0.00")
        assert await world.wallet(creator) == ("950.00", "0.00")
        await world.ledger_verified()


async def test_an_equity_offering_refuses_an_investor_beyond_the_limit_and_allots_exactly(
    server: ServerProcess, stores: StoreUrls
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        world = World(server, stores, client)
        await world.start()
        issuer = await world.verified(kind="BUSINESS")
        offering = {
            "kind": "EQUITY",
            "fundingModel": "ALL_OR_NOTHING",
            "goal": "10000.00",
            "currency": "CNY",
            "durationDays": 30,
            "title": "Tea house, Series Seed",
            "equity": {
                "pricePerShare": "100.00",
                "sharesOffered": 100,
                "minimumRaise": "5000.00",
                "valuation": "1000000.00",
            },
        }
        live = await world.live(issuer, offering)
        declared = {"annualIncome": "0.00", "netWorth": "0.00"}  # the floor: 20,000.00
        eager = await world.backer("30000.00")
        refused = await world.pledge(eager, live["id"], "25000.00", **declared)
        [error] = refused["errors"]
        assert (error["code"], error["field"]) == ("INVESTOR_LIMIT_EXCEEDED", "amount")
        assert "20000.00 CNY is left" in error["message"]
        investors = [await world.backer("10000.00") for _ in range(4)]
        for who, amount in zip(
            investors, ["5000.00", "3000.00", "2000.00", "1000.00"], strict=True
        ):
            assert not (await world.pledge(who, live["id"], amount, **declared))["errors"]

        await world.past_deadline(live["deadline"])

        lines = await ok(client, "capTable", {"id": live["id"]}, issuer.access_token)
        assert [line["shares"] for line in lines] == [46, 27, 18, 9]  # 110 asked for 100
        assert [line["paid"]["amount"] for line in lines] == [
            "4600.00",
            "2700.00",
            "1800.00",
            "900.00",
        ]
        done = await ok(client, "campaign", {"id": live["id"]}, issuer.access_token)
        assert done["equity"]["sharesAllotted"] == 100
        assert done["fee"] == {"amount": "700.00"}
        assert await world.wallet(issuer) == ("9300.00", "0.00")
        assert await world.wallet(investors[0]) == ("5400.00", "0.00")
        own = await ok(client, "capTable", {"id": live["id"]}, investors[3].access_token)
        assert own == [{"shares": 9, "paid": {"amount": "900.00"}}]
        await world.ledger_verified()


async def test_a_debt_campaign_becomes_a_loan_repaid_to_its_backers(
    server: ServerProcess, stores: StoreUrls
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        world = World(server, stores, client)
        await world.start()
        product = await ok(
            client,
            "product",
            {
                "i": {
                    "code": f"CF{next(_serial)}",
                    "name": "Crowd loan",
                    "currency": "CNY",
                    "minAmount": "1000.00",
                    "maxAmount": "50000.00",
                    "minTermMonths": 3,
                    "maxTermMonths": 24,
                    "repaymentMethod": "EQUAL_INSTALLMENT",
                    "minRate": "0.05",
                    "maxRate": "0.24",
                    "fundingChannels": ["INVESTOR_NOTES"],
                    "fees": [],
                }
            },
            world.operator,
        )
        bakery = await world.verified(kind="BUSINESS")
        campaign = {
            "kind": "DEBT",
            "fundingModel": "ALL_OR_NOTHING",
            "goal": "3000.00",
            "currency": "CNY",
            "durationDays": 20,
            "title": "A second oven",
            "debt": {
                "loanProductId": product["product"]["id"],
                "annualRate": "0.12",
                "termMonths": 3,
            },
        }
        live = await world.live(bakery, campaign)
        lenders = [await world.backer("2000.00") for _ in range(2)]
        assert not (await world.pledge(lenders[0], live["id"], "2000.00"))["errors"]
        assert not (await world.pledge(lenders[1], live["id"], "1000.00"))["errors"]

        await world.past_deadline(live["deadline"])

        done = await ok(client, "campaign", {"id": live["id"]}, bakery.access_token)
        assert done["state"] == "SETTLED"
        [loan] = await ok(client, "loans", None, bakery.access_token)
        assert (loan["id"], loan["state"]) == (done["debt"]["loanId"], "ACTIVE")
        assert await world.wallet(bakery) == ("2910.00", "0.00")  # less 3 % crowdfunding fee
        await ok(
            client,
            "adjust",
            {
                "i": {
                    "participantId": bakery.id,
                    "amount": "200.00",
                    "currency": "CNY",
                    "reason": "the bakery's takings",
                },
                "k": f"cf-takings-{bakery.id}",
            },
            world.operator,
        )
        for n, installment in enumerate(loan["installments"]):
            due = Decimal(installment["principal"]["amount"]) + Decimal(
                installment["interest"]["amount"]
            )
            repaid = await ok(
                client,
                "repay",
                {
                    "i": {"loanId": loan["id"], "amount": str(due), "currency": "CNY"},
                    "k": f"cf-repay-{n}",
                },
                bakery.access_token,
            )
        assert repaid["loan"]["state"] == "CLOSED"
        for who, lent in zip(lenders, ["2000.00", "1000.00"], strict=True):
            [note] = (await ok(client, "portfolio", None, who.access_token))["notes"]
            assert note["principal"] == note["principalReceived"] == {"amount": lent}
            assert Decimal(note["interestReceived"]["amount"]) > 0
        await world.ledger_verified()
