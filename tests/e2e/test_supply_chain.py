"""Supply-chain finance against a running `agora serve`, over HTTP and WebSocket: a supplier
registers an invoice, the core enterprise confirms it, the supplier splits off a part to its
own supplier, both parts are financed early by two banks' offers (the cheaper bank's credit
line to the buyer takes only the first), the worker debits the core enterprise on the due
date and each bank receives face value; the supplier hears certificateUpdated live; `agora
ledger verify` passes."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from gql import Client
from gql import gql as document
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.worker import JOBS, run_job, worker_context
from domain.clock import FixedClock
from graph.relay import parse_global_id
from support.cli import agora_here
from support.graphql import PASSWORD, Person, gql, log_in, signed_in, unique_email
from support.server import ServerProcess, server_env
from support.stores import StoreUrls, make_settings

Q = {
    "kyc": "mutation($i: SubmitKycInput!) { submitKyc(input: $i) { submission { id } } }",
    "decide": "mutation($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }",
    "grant": """mutation($id: ID!, $role: Role!) { grantRole(participantId: $id, role: $role) {
        errors { code } } }""",
    "adjust": """mutation($i: AdjustWalletInput!, $k: String!) { adjustWallet(input: $i,
        idempotencyKey: $k) { errors { code } } }""",
    "offer": """mutation($i: FundingOfferInput!, $k: String!) { createFundingOffer(input: $i,
        idempotencyKey: $k) { offer { id kind } errors { code field message } } }""",
    "register": """mutation($i: RegisterInvoiceInput!, $k: String!) { registerInvoice(input: $i,
        idempotencyKey: $k) { receivable { id state } errors { code field message } } }""",
    "toConfirm": "query { invoicesToConfirm { id invoiceNumber amount { amount } } }",
    "confirm": """mutation($id: ID!) { confirmInvoice(receivableId: $id) {
        receivable { state certificates { id state amount { amount } } } errors { code } } }""",
    "split": """mutation($i: SplitCertificateInput!, $k: String!) { splitCertificate(input: $i,
        idempotencyKey: $k) { certificate { state } parts { id holderId amount { amount } }
        errors { code message } } }""",
    "quote": """query($id: ID!) { quoteEarlyPayment(certificateId: $id) { fundingOfferId
        discountRate days discount { amount } fee { amount } net { amount } impliedApr } }""",
    "early": """mutation($id: ID!, $k: String!) { requestEarlyPayment(certificateId: $id,
        idempotencyKey: $k) { certificate { state fundingOfferId } net { amount } impliedApr
        errors { code message } } }""",
    "payables": "query { confirmedPayables { amount { amount } certificates } }",
    "totals": "query { supplyChainProgrammeTotals { buyerId amount { amount } certificates } }",
    "receivable": """query($id: ID!) { receivable(id: $id) { state
        certificates { state amount { amount } } } }""",
    "wallet": 'query { wallet(currency: "CNY") { available { amount } } }',
}
CERTIFICATE_UPDATED = """subscription { certificateUpdated(after: "0") { change state
    amount { amount } } }"""
_serial = itertools.count(datetime.now(UTC).microsecond % 500 + 500)
# licence numbers unlike an earlier run's, whose verified licences may still be in the database
_licences = itertools.count(int(datetime.now(UTC).timestamp()) % 10**6 * 10)


async def ok(client: httpx.AsyncClient, name: str, variables: Any, token: str) -> Any:
    body = await gql(client, Q[name], variables, token=token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


class World:
    def __init__(self, server: ServerProcess, stores: StoreUrls, client: httpx.AsyncClient):
        self.server, self.stores, self.client = server, stores, client
        self.operator = ""
        self.licences: dict[str, str] = {}  # participant id -> verified licence number

    async def start(self) -> None:
        email = unique_email("scf-operator")
        env = {**server_env(self.stores), "AGORA_OPERATOR_PASSWORD": PASSWORD}
        made = await asyncio.to_thread(agora_here, "create-operator", "--email", email, env=env)
        assert made.returncode == 0, made.stderr
        self.operator = (await log_in(self.client, email))["accessToken"]

    async def business(self, accounts: int = 1) -> list[Person]:
        """`accounts` businesses verified on one fresh business licence (all submit before
        the operator decides: KYC refuses a licence verified on another account already)."""
        licence = f"91310000MA{next(_licences):07d}X"
        people = [
            await signed_in(self.client, roles=["MERCHANT"], kind="BUSINESS")
            for _ in range(accounts)
        ]
        submission = {
            "documentType": "BUSINESS_LICENSE",
            "legalName": "赵六",
            "documentNumber": licence,
        }
        made = [await ok(self.client, "kyc", {"i": submission}, p.access_token) for p in people]
        for each in made:
            decision = {"submissionId": each["submission"]["id"], "decision": "VERIFY"}
            await ok(self.client, "decide", {"i": decision}, self.operator)
        self.licences.update((p.id, licence) for p in people)
        return people

    async def granted(self, role: str) -> Person:
        person = await signed_in(self.client, roles=["INVESTOR"], kind="BUSINESS")
        await ok(self.client, "grant", {"id": person.id, "role": role}, self.operator)
        session = await log_in(self.client, person.email)  # roles ride in the token
        return Person(person.id, person.email, session["accessToken"], session["refreshToken"])

    async def fund(self, who: Person, amount: str) -> None:
        adjust = {
            "participantId": who.id,
            "amount": amount,
            "currency": "CNY",
            "reason": "funds to pay suppliers",
        }
        await ok(self.client, "adjust", {"i": adjust, "k": f"scf-{who.id}"}, self.operator)

    async def maturity_job(self, on: date) -> int:
        """The worker's scf-maturity job once, as `agora worker` runs it, on `on`."""
        clock = FixedClock(datetime.combine(on, time(1), UTC))
        [job] = [job for job in JOBS if job.name == "scf-maturity"]
        engine = create_async_engine(self.stores.database_url)
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        try:
            async with worker_context(make_settings(self.stores), sessions, clock) as context:
                return await run_job(job, context)
        finally:
            await engine.dispose()

    async def received_at_maturity(self, bank: Person) -> int:
        """Minor units paid at maturity into the bank's funding account."""
        engine = create_async_engine(self.stores.database_url)
        try:
            async with engine.connect() as conn:
                found = await conn.execute(
                    text(
                        "SELECT coalesce(sum(t.amount), 0) FROM ledger_transfer t"
                        " JOIN ledger_account a ON a.id = t.credit_account_id"
                        " WHERE t.reason = 'SCF_MATURITY' AND a.kind = 'BANK_FUNDING'"
                        " AND a.owner_id = CAST(:bank AS uuid)"
                    ),
                    {"bank": str(parse_global_id(bank.id)[1])},
                )
                return int(found.scalar_one())
        finally:
            await engine.dispose()

    async def ledger_verified(self) -> None:
        result = await asyncio.to_thread(
            agora_here, "ledger", "verify", env=server_env(self.stores)
        )
        assert result.returncode == 0, result.stdout + result.stderr


async def heard(server: ServerProcess, token: str, count: int) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(
        url=server.ws_url, init_payload={"authorization": f"Bearer {token}"}
    )
    received: list[dict[str, Any]] = []
    async with Client(transport=transport) as ws:
        async for event in ws.subscribe(document(CERTIFICATE_UPDATED)):
            received.append(event["certificateUpdated"])
            if len(received) == count:
                return received
    raise AssertionError(f"the subscription ended after {len(received)} of {count} events")


def supply_chain_offer(rate: str, credit_line: str, core: Person) -> dict[str, Any]:
    return {
        "kind": "SUPPLY_CHAIN",
        "currency": "CNY",
        "capacity": "10000000.00",
        "rateFloor": rate,
        "maxTenorDays": 180,
        "minAmount": "1000.00",
        "maxAmount": "5000000.00",
        "perBorrowerCap": credit_line,
        "coreEnterpriseIds": [core.id],
    }


async def test_an_invoice_split_down_the_chain_financed_by_two_banks_and_paid_at_maturity(
    server: ServerProcess, stores: StoreUrls
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        world = World(server, stores, client)
        await world.start()
        (supplier, colleague), [tier2] = await world.business(2), await world.business()
        core = await world.granted("CORE_ENTERPRISE")
        cheap, dear = await world.granted("PARTNER_BANK"), await world.granted("PARTNER_BANK")
        cheap_offer = await ok(
            client,
            "offer",
            {"i": supply_chain_offer("0.045", "700000.00", core), "k": "o1"},
            cheap.access_token,
        )
        dear_offer = await ok(
            client,
            "offer",
            {"i": supply_chain_offer("0.055", "2000000.00", core), "k": "o2"},
            dear.access_token,
        )
        assert cheap_offer["offer"]["kind"] == "SUPPLY_CHAIN"
        listening = asyncio.create_task(heard(server, supplier.access_token, 6))
        today = datetime.now(UTC).date()
        due = today + timedelta(days=90)

        invoice = {
            "buyerId": core.id,
            "registrationNumber": world.licences[supplier.id],
            "invoiceNumber": f"INV-E2E-{next(_serial)}",
            "amount": "1000000.00",
            "currency": "CNY",
            "issuedOn": str(today - timedelta(days=2)),
            "dueOn": str(due),
            "goodsReference": "PO-77 steel coils",
        }
        registered = await ok(
            client, "register", {"i": invoice, "k": "inv-1"}, supplier.access_token
        )
        rid = registered["receivable"]["id"]
        # the same invoice from another account of the company, its number typed otherwise
        again = {**invoice, "registrationNumber": world.licences[supplier.id].lower()}
        twice = await gql(
            client, Q["register"], {"i": again, "k": "inv-2"}, token=colleague.access_token
        )
        assert twice["data"]["registerInvoice"]["errors"][0]["code"] == "DUPLICATE_INVOICE"
        # another company cannot pass the invoice off as its own
        theirs = await gql(
            client, Q["register"], {"i": invoice, "k": "inv-3"}, token=tier2.access_token
        )
        [refused] = theirs["data"]["registerInvoice"]["errors"]
        assert refused["code"] == "REGISTRATION_NUMBER_MISMATCH", refused
        [waiting] = await ok(client, "toConfirm", None, core.access_token)
        assert waiting["id"] == rid
        confirmed = await ok(client, "confirm", {"id": rid}, core.access_token)
        [whole] = confirmed["receivable"]["certificates"]

        split = await ok(
            client,
            "split",
            {
                "i": {
                    "certificateId": whole["id"],
                    "currency": "CNY",
                    "parts": [{"recipientId": tier2.id, "amount": "300000.00"}],
                },
                "k": "split-1",
            },
            supplier.access_token,
        )
        given, kept = split["parts"]
        assert (given["amount"], kept["amount"]) == (
            {"amount": "300000.00"},
            {"amount": "700000.00"},
        )

        shown = await ok(client, "quote", {"id": kept["id"]}, supplier.access_token)
        assert shown["fundingOfferId"] == cheap_offer["offer"]["id"]
        assert shown["days"] == 90
        # 700,000.00 x 4.5 % x 90 / 365 = 7,767.12; fee 0.1 % = 700.00
        assert (shown["discount"], shown["fee"], shown["net"]) == (
            {"amount": "7767.12"},
            {"amount": "700.00"},
            {"amount": "691532.88"},
        )
        paid = await ok(client, "early", {"id": kept["id"], "k": "early-1"}, supplier.access_token)
        assert paid["net"] == shown["net"]
        assert paid["impliedApr"] == shown["impliedApr"]
        assert paid["certificate"]["state"] == "FINANCED"
        theirs = await ok(client, "early", {"id": given["id"], "k": "early-2"}, tier2.access_token)
        assert theirs["certificate"]["fundingOfferId"] == dear_offer["offer"]["id"]  # line full
        assert (await ok(client, "wallet", None, supplier.access_token))["available"] == {
            "amount": "691532.88"
        }
        owed = await ok(client, "payables", None, core.access_token)
        assert owed == [{"amount": {"amount": "1000000.00"}, "certificates": 2}]
        await world.ledger_verified()

        await world.fund(core, "1000000.00")
        assert await world.maturity_job(due - timedelta(days=1)) == 0  # not yet due
        assert await world.maturity_job(due) == 1

        assert await world.received_at_maturity(cheap) == 700_000_00
        assert await world.received_at_maturity(dear) == 300_000_00
        done = await ok(client, "receivable", {"id": rid}, supplier.access_token)
        assert done["state"] == "PAID"
        assert {c["state"] for c in done["certificates"]} == {"SPLIT", "PAID"}
        assert await ok(client, "payables", None, core.access_token) == []
        # The operator's view spans every programme: earlier tests' buyers may still owe theirs.
        totals = await ok(client, "totals", None, world.operator)
        assert [t for t in totals if t["buyerId"] == core.id] == []
        events = await asyncio.wait_for(listening, timeout=60)
        assert [e["change"] for e in events] == [
            "ISSUED",
            "SPLIT",
            "TRANSFERRED",
            "TRANSFERRED",
            "FINANCED",
            "PAID",
        ]
        await world.ledger_verified()
