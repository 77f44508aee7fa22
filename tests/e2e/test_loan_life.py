"""A whole loan's life against a running `agora serve`, over HTTP and WebSocket: apply ->
score -> list -> funded by a bank offer and two investors -> disbursed -> 12 repayments
(one late, with penalty, aged by the worker's job on an injected clock) -> closed, the
borrower and every funder hearing of it live on WebSocket subscriptions (the bank's match,
the funding, each repayment); then
`agora ledger verify` passes and every funder received principal plus its interest share,
to the cent, as the distribution rules compute it independently of the database. And the
last notes of a listing, bought at once through two server processes, never overfund it."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, date, datetime, time, timedelta
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
from domain.lending.distribution import NoteHolding, ReceivedRepayment, distribute_repayment
from support.cli import agora_here
from support.factories import make_operator
from support.graphql import PASSWORD, gql, log_in, signed_in, unique_email
from support.security import unique_resident_id
from support.server import ServerProcess, run_agora, server_env
from support.stores import StoreUrls, make_settings

Q = {
    "product": """mutation($i: LoanProductInput!) { createLoanProduct(input: $i) {
        product { id } errors { code field message } } }""",
    "kyc": """mutation($i: SubmitKycInput!) { submitKyc(input: $i) { submission { id } } }""",
    "decide": """mutation($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }""",
    "grant": """mutation($id: ID!) { grantRole(participantId: $id, role: PARTNER_BANK) {
        errors { code } } }""",
    "key": """mutation { createApiKey(input: {name: "funding", scopes: [OFFERS_READ,
        OFFERS_WRITE]}) { secret errors { code } } }""",
    "offer": """mutation($i: FundingOfferInput!) { createFundingOffer(input: $i,
        idempotencyKey: "e2e-offer") { offer { id } errors { code field message } } }""",
    "adjust": """mutation($i: AdjustWalletInput!, $k: String!) { adjustWallet(input: $i,
        idempotencyKey: $k) { errors { code } } }""",
    "apply": """mutation($i: ApplyForLoanInput!) { applyForLoan(input: $i) {
        application { id status grade annualRate offer { apr } } errors { code message } } }""",
    "accept": """mutation($id: ID!) { acceptLoanOffer(applicationId: $id,
        idempotencyKey: "e2e-accept") { loan { id state committed { amount } }
        errors { code } } }""",
    "buy": """mutation($i: BuyNoteInput!, $k: String!) { buyNote(input: $i, idempotencyKey: $k) {
        loan { state } errors { code message } } }""",
    "matches": """query { myLoans { matches { sourceKind amount { amount } annualRate yours
        explanation { rule rank askingRate notConsidered unfilled { amount }
                      passedOver { reason count } } } } }""",
    "listed": """query { listings(first: 100) { edges { node { id
        matches { yours amount { amount } } } } } }""",
    "loans": """query { myLoans { id state borrowerRate
        nextDue { number dueDate outstanding { amount } }
        installments { number dueDate principal { amount } interest { amount }
                       penalty { amount } paid { amount } } } }""",
    "repay": """mutation($i: RepayLoanInput!, $k: String!) { repayLoan(input: $i,
        idempotencyKey: $k) { applied { amount } loan { state } errors { code message } } }""",
    "portfolio": """query { portfolio { notes { id principal { amount } annualRate
        principalReceived { amount } interestReceived { amount } } } }""",
    "wallet": """query { wallet(currency: "CNY") { available { amount } } }""",
}


LOAN_FUNDED = 'subscription { loanFunded(after: "0") { aggregateId payload } }'
MATCH_CREATED = 'subscription { matchCreated(after: "0") { aggregateId payload } }'
REPAYMENT_RECEIVED = 'subscription { repaymentReceived(after: "0") { aggregateId payload } }'


async def events(server: ServerProcess, token: str, query: str, count: int) -> list[Any]:
    """The first `count` events a subscription delivers, as they come (`after: "0"` so that
    one opened just before the first event misses nothing)."""
    transport = WebsocketsTransport(
        url=server.ws_url, init_payload={"authorization": f"Bearer {token}"}
    )
    received: list[Any] = []
    async with Client(transport=transport) as ws:
        async for event in ws.subscribe(document(query)):
            received += event.values()
            if len(received) == count:
                return received
    raise AssertionError(f"the subscription ended after {len(received)} of {count} events")


def minor(amount: str) -> int:
    return int(Decimal(amount) * 100)


def raw_id(global_id: str) -> str:
    return base64.urlsafe_b64decode(global_id).decode().partition(":")[2]


async def ok(
    client: httpx.AsyncClient,
    name: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None,
) -> dict[str, Any]:
    body = await gql(client, Q[name], variables, token=token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload  # type: ignore[no-any-return]


async def verified(
    client: httpx.AsyncClient, operator: str, roles: list[str], kind: str = "PERSON"
) -> Any:
    person = await signed_in(client, roles=roles, kind=kind)
    document_ = {
        "documentType": "RESIDENT_ID",
        "legalName": "李四",
        "documentNumber": unique_resident_id(),
    }
    submitted = await ok(client, "kyc", {"i": document_}, token=person.access_token)
    await ok(
        client,
        "decide",
        {"i": {"submissionId": submitted["submission"]["id"], "decision": "VERIFY"}},
        token=operator,
    )
    return person


async def _age(stores: StoreUrls, sessions: object, clock: FixedClock) -> None:
    """The worker's overdue job, once, on its clock: its registry entry, as `agora worker`
    runs it (not auto-debit, which would pay the installment the test wants late)."""
    [aging] = [job for job in JOBS if job.name == "loan-overdue"]
    async with worker_context(make_settings(stores), sessions, clock) as context:  # type: ignore[arg-type]
        await run_job(aging, context)


async def test_a_loan_from_application_to_closing(server: ServerProcess, stores: StoreUrls) -> None:
    # The operator is made as the runbook makes one, by `agora create-operator` (the other
    # tests make theirs with the same code in their own process: support/factories.py).
    email = unique_email("lending-operator")
    env = {**server_env(stores), "AGORA_OPERATOR_PASSWORD": PASSWORD}
    made = await asyncio.to_thread(run_agora, "create-operator", "--email", email, env=env)
    assert made.returncode == 0, made.stderr
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        operator = (await log_in(client, email))["accessToken"]
        serial = datetime.now(UTC).microsecond % 700
        product = await ok(
            client,
            "product",
            {
                "i": {
                    "code": f"E2E{serial}",
                    "name": "Personal loan",
                    "currency": "CNY",
                    "minAmount": "1000.00",
                    "maxAmount": "50000.00",
                    "minTermMonths": 3,
                    "maxTermMonths": 24,
                    "repaymentMethod": "EQUAL_INSTALLMENT",
                    "minRate": "0.05",
                    "maxRate": "0.24",
                    "fundingChannels": ["INVESTOR_NOTES", "BANK_OFFERS"],
                    "fees": [{"name": "origination", "timing": "UPFRONT", "percent": "0.02"}],
                    "maxInvestorShare": "0.4",
                }
            },
            token=operator,
        )
        borrower = await verified(client, operator, ["BORROWER"])
        bank = await signed_in(client, roles=["INVESTOR"], kind="BUSINESS")
        await ok(client, "grant", {"id": bank.id}, token=operator)
        bank_token = (await log_in(client, bank.email))["accessToken"]
        bank_key = (await ok(client, "key", token=bank_token))["secret"]
        await ok(
            client,
            "offer",
            {
                "i": {
                    "currency": "CNY",
                    "capacity": "100000.00",
                    "rateFloor": "0.06",
                    "grades": ["A", "B", "C", "D", "E"],
                    "minTermMonths": 3,
                    "maxTermMonths": 24,
                    "minAmount": "100.00",
                    "maxAmount": "4000.00",
                }
            },
            token=bank_key,
        )
        investors = [await signed_in(client, roles=["INVESTOR"]) for _ in range(2)]
        for n, person in enumerate([*investors, borrower]):
            await ok(
                client,
                "adjust",
                {
                    "i": {
                        "participantId": person.id,
                        "amount": "5000.00",
                        "currency": "CNY",
                        "reason": "seed funds for the loan life test",
                    },
                    "k": f"e2e-seed-{serial}-{n}",
                },
                token=operator,
            )

        # everyone listens from now on: the bank's match, then a repayment a month
        people = {
            "borrower": borrower.access_token,
            "bank": bank_token,
            "one": investors[0].access_token,
            "two": investors[1].access_token,
        }
        heard_matches = {
            who: asyncio.create_task(events(server, people[who], MATCH_CREATED, 1))
            for who in ("borrower", "bank")
        }
        heard_repayments = {
            who: asyncio.create_task(events(server, token, REPAYMENT_RECEIVED, 12))
            for who, token in people.items()
        }

        # apply -> score -> accept: listed, and the bank's offer matched at once
        applied = await ok(
            client,
            "apply",
            {
                "i": {
                    "productId": product["product"]["id"],
                    "amount": "10000.00",
                    "currency": "CNY",
                    "termMonths": 12,
                    "purpose": "a used car",
                    "declaredMonthlyIncome": "20000.00",
                }
            },
            token=borrower.access_token,
        )
        assert applied["application"]["status"] == "APPROVED"
        listed = await ok(
            client, "accept", {"id": applied["application"]["id"]}, token=borrower.access_token
        )
        loan_id = listed["loan"]["id"]
        assert listed["loan"]["state"] == "LISTED"
        assert listed["loan"]["committed"] == {"amount": "4000.00"}
        for who, heard in heard_matches.items():  # pushed to the borrower and the bank
            [match] = await asyncio.wait_for(heard, timeout=60)
            assert match["aggregateId"] == raw_id(loan_id), who
            assert (match["payload"]["amount"], match["payload"]["source_kind"]) == (
                4000_00,
                "BANK_OFFER",
            ), who

        # the borrower sees why the engine chose the bank: its rank and what it passed over
        [mine] = await ok(client, "matches", token=borrower.access_token)
        [match] = mine["matches"]
        assert (match["sourceKind"], match["amount"], match["yours"]) == (
            "BANK_OFFER",
            {"amount": "4000.00"},
            False,
        )
        assert match["explanation"]["rank"] >= 1
        assert match["explanation"]["rule"] == "best price, then time priority"
        assert match["explanation"]["unfilled"] == {"amount": "6000.00"}
        # on the listing, the bank sees its own match; another investor sees none
        for token, expected in (
            (bank_token, [{"yours": True, "amount": {"amount": "4000.00"}}]),
            (investors[0].access_token, []),
        ):
            edges = (await ok(client, "listed", token=token))["edges"]
            [node] = [edge["node"] for edge in edges if edge["node"]["id"] == loan_id]
            assert node["matches"] == expected

        # investor one buys over WebSocket, investor two over HTTP: funded and disbursed
        transport = WebsocketsTransport(
            url=server.ws_url,
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload={"authorization": f"Bearer {investors[0].access_token}"},
        )
        async with Client(transport=transport) as ws:
            purchase = {"loanId": loan_id, "amount": "3000.00", "currency": "CNY"}
            bought = await ws.execute(
                document(Q["buy"]), variable_values={"i": purchase, "k": "ws"}
            )
        assert bought["buyNote"]["errors"] == []
        funded = await ok(
            client,
            "buy",
            {"i": {"loanId": loan_id, "amount": "3000.00", "currency": "CNY"}, "k": "http"},
            token=investors[1].access_token,
        )
        assert funded["loan"]["state"] == "ACTIVE"
        wallet = await ok(client, "wallet", token=borrower.access_token)
        assert wallet["available"] == {"amount": "14800.00"}  # 5,000 + 10,000 - the 2 % fee
        # the funding reached the investor's subscription (from the start of the streams)
        [funded_event] = await asyncio.wait_for(
            events(server, investors[1].access_token, LOAN_FUNDED, 1), timeout=60
        )
        assert funded_event["aggregateId"] == raw_id(loan_id)
        assert funded_event["payload"]["funders"] == 3

        # twelve repayments; before the third the worker ages it ten days past due
        [loan] = await ok(client, "loans", token=borrower.access_token)
        engine = create_async_engine(stores.database_url)
        applied_minor = []
        try:
            for number in range(1, 13):
                if number == 3:
                    third = date.fromisoformat(loan["installments"][2]["dueDate"])
                    due = datetime.combine(third, time(12), tzinfo=UTC)
                    clock = FixedClock(due)
                    sessions = async_sessionmaker(
                        engine, class_=AsyncSession, expire_on_commit=False
                    )
                    for _ in range(10):
                        clock.advance(timedelta(days=1))
                        await _age(stores, sessions, clock)
                [current] = await ok(client, "loans", token=borrower.access_token)
                assert current["nextDue"]["number"] == number
                repaid = await ok(
                    client,
                    "repay",
                    {
                        "i": {
                            "loanId": loan_id,
                            "amount": current["nextDue"]["outstanding"]["amount"],
                            "currency": "CNY",
                        },
                        "k": f"e2e-repay-{number}",
                    },
                    token=borrower.access_token,
                )
                applied_minor.append(minor(repaid["applied"]["amount"]))
        finally:
            await engine.dispose()
        assert repaid["loan"]["state"] == "CLOSED"
        [closed] = await ok(client, "loans", token=borrower.access_token)
        assert minor(closed["installments"][2]["penalty"]["amount"]) > 0
        # each repayment reached the borrower and every funder, in order, as it was applied
        for who, heard in heard_repayments.items():
            repayments = await asyncio.wait_for(heard, timeout=60)
            assert {r["aggregateId"] for r in repayments} == {raw_id(loan_id)}, who
            assert [r["payload"]["amount"] for r in repayments] == applied_minor, who
            assert repayments[-1]["payload"]["loan_state"] == "CLOSED", who

        verified_ledger = await asyncio.to_thread(
            agora_here, "ledger", "verify", env=server_env(stores)
        )
        assert verified_ledger.returncode == 0, verified_ledger.stdout + verified_ledger.stderr

        # every funder: principal back, and interest exactly as the rules share it
        funders = {
            "bank": (bank_key, None),
            "one": (investors[0].access_token, 5_000_00),
            "two": (investors[1].access_token, 5_000_00),
        }
        holdings, notes_of = [], {}
        for name, (token, _) in funders.items():
            [note] = (await ok(client, "portfolio", token=token))["notes"]
            notes_of[name] = note
            principal = minor(note["principal"]["amount"])
            holdings.append(
                NoteHolding(raw_id(note["id"]), name, principal, Decimal(note["annualRate"]))
            )
        expected = dict.fromkeys(funders, 0)
        for row in closed["installments"]:
            shares = distribute_repayment(
                ReceivedRepayment(
                    principal=minor(row["principal"]["amount"]),
                    interest=minor(row["interest"]["amount"]),
                    penalty=minor(row["penalty"]["amount"]),
                ),
                holdings,
                borrower_rate=Decimal(closed["borrowerRate"]),
            )
            for payout in shares.payouts:
                expected[payout.holder_id] += payout.interest + payout.penalty
            paid = {p.note_id: p.principal for p in shares.payouts}
            holdings = [
                NoteHolding(h.note_id, h.holder_id, h.principal - paid[h.note_id], h.annual_rate)
                for h in holdings
            ]
        for name, (token, seeded) in funders.items():
            note = notes_of[name]
            assert note["principalReceived"] == note["principal"]
            assert minor(note["interestReceived"]["amount"]) == expected[name] > 0
            if seeded is not None:  # an investor's wallet shows the same, to the cent
                wallet = await ok(client, "wallet", token=token)
                assert minor(wallet["available"]["amount"]) == seeded + expected[name]


async def test_investors_racing_through_two_processes_never_overfund_a_loan(
    server: ServerProcess, other_server: ServerProcess, stores: StoreUrls
) -> None:
    """The last notes of one listing, bought at once through two `agora serve` processes:
    exactly what the loan needs is sold, the rest refused, and the books balance."""
    email = await make_operator(stores, stem="race-operator")
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=30) as one,
        httpx.AsyncClient(base_url=other_server.url, timeout=30) as two,
    ):
        operator = (await log_in(one, email))["accessToken"]
        serial = (datetime.now(UTC).microsecond + 350) % 700
        product = await ok(
            one,
            "product",
            {
                "i": {
                    "code": f"RACE{serial}",
                    "name": "Notes only",
                    "currency": "CNY",
                    "minAmount": "1000.00",
                    "maxAmount": "50000.00",
                    "minTermMonths": 3,
                    "maxTermMonths": 24,
                    "repaymentMethod": "EQUAL_INSTALLMENT",
                    "minRate": "0.05",
                    "maxRate": "0.24",
                    "fundingChannels": ["INVESTOR_NOTES"],
                    "maxInvestorShare": "0.5",
                }
            },
            token=operator,
        )
        borrower = await verified(one, operator, ["BORROWER"])
        applied = await ok(
            one,
            "apply",
            {
                "i": {
                    "productId": product["product"]["id"],
                    "amount": "10000.00",
                    "currency": "CNY",
                    "termMonths": 12,
                    "purpose": "a kitchen",
                    "declaredMonthlyIncome": "20000.00",
                }
            },
            token=borrower.access_token,
        )
        listed = await ok(
            one, "accept", {"id": applied["application"]["id"]}, token=borrower.access_token
        )
        loan_id = listed["loan"]["id"]
        investors = [await signed_in(one, roles=["INVESTOR"]) for _ in range(12)]
        for n, person in enumerate(investors):
            await ok(
                one,
                "adjust",
                {
                    "i": {
                        "participantId": person.id,
                        "amount": "5000.00",
                        "currency": "CNY",
                        "reason": "seed funds for the race test",
                    },
                    "k": f"race-{serial}-{n}",
                },
                token=operator,
            )

        # when twelve investors each ask for 2,000.00 of the 10,000.00, half through each
        async def buy(n: int, person: Any) -> list[Any]:
            client = one if n % 2 else two
            body = await gql(
                client,
                Q["buy"],
                {
                    "i": {"loanId": loan_id, "amount": "2000.00", "currency": "CNY"},
                    "k": f"race-{n}",
                },
                token=person.access_token,
            )
            assert "errors" not in body, body
            return body["data"]["buyNote"]["errors"]  # type: ignore[no-any-return]

        outcomes = await asyncio.gather(*(buy(n, p) for n, p in enumerate(investors)))
        wallets = [await ok(one, "wallet", token=p.access_token) for p in investors]
        borrower_wallet = await ok(two, "wallet", token=borrower.access_token)

    # then five bought (the loan is funded and disbursed), seven were refused, nothing else
    assert sum(errors == [] for errors in outcomes) == 5
    # (a loan funded is no longer public: to the late it is no loan at all)
    assert {e["code"] for errors in outcomes for e in errors} <= {"FUNDING_REFUSED", "NOT_FOUND"}
    spent = sorted(minor(w["available"]["amount"]) for w in wallets)
    assert spent == [3_000_00] * 5 + [5_000_00] * 7  # buyers' holds captured, others untouched
    assert borrower_wallet["available"] == {"amount": "10000.00"}  # disbursed once, no fee
    verified_ledger = await asyncio.to_thread(
        agora_here, "ledger", "verify", env=server_env(stores)
    )
    assert verified_ledger.returncode == 0, verified_ledger.stdout + verified_ledger.stderr
