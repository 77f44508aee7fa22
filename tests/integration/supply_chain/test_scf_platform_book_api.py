"""The platform book over GraphQL: an operator allows it on a core enterprise; a supplier's
confirmed certificate is then financed by it, and the certificate names it as financier."""

from __future__ import annotations

from datetime import timedelta

import httpx
from starlette.applications import Starlette

from domain.clock import SystemClock, today
from domain.lending.services.platform_book import PLATFORM_ID
from graph.relay import to_global_id
from support.graphql import gql
from support.security import create_person, submit_kyc

BOOK = """mutation B($i: SupplyChainPlatformBookInput!) { setSupplyChainPlatformBook(input: $i) {
  platformBook { allowed discountRate limit { amount } used { amount } fundingOfferId }
  errors { code field } } }"""
REGISTER = """mutation R($i: RegisterInvoiceInput!, $k: String!) { registerInvoice(input: $i,
  idempotencyKey: $k) { receivable { id } errors { code field message } } }"""
CONFIRM = """mutation C($id: ID!) { confirmInvoice(receivableId: $id) {
  receivable { certificates { id financierId } } errors { code } } }"""
DECIDE_KYC = "mutation D($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }"
BOOKS = "{ supplyChainPlatformBooks { coreEnterpriseId allowed used { amount } } }"
EARLY = """mutation E($id: ID!, $k: String!) { requestEarlyPayment(certificateId: $id,
  idempotencyKey: $k) { certificate { state holderId financierId fundingOfferId }
  errors { code message } } }"""


async def test_an_operator_lets_the_platform_book_finance_a_core_enterprise(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    buyer = await create_person(app, "Core", roles=["CORE_ENTERPRISE"], kind="BUSINESS")
    seller = await create_person(app, "Supplier", roles=["MERCHANT"], kind="BUSINESS")
    licence = await submit_kyc(client, seller, 0, business_licence="91310000MA1FL7777X")
    decided = await gql(
        client,
        DECIDE_KYC,
        {"i": {"submissionId": licence, "decision": "VERIFY"}},
        token=operator.token,
    )
    assert decided["data"]["decideKyc"]["errors"] == []
    book = {
        "coreEnterpriseId": buyer.id,
        "allowed": True,
        "currency": "CNY",
        "discountRate": "0.045",
        "limit": "500000.00",
    }
    refused = await gql(client, BOOK, {"i": book}, token=seller.token)
    assert refused["data"]["setSupplyChainPlatformBook"]["errors"][0]["code"] == "FORBIDDEN"
    allowed = await gql(client, BOOK, {"i": book}, token=operator.token)
    line = allowed["data"]["setSupplyChainPlatformBook"]["platformBook"]
    assert (line["allowed"], line["discountRate"], line["limit"]["amount"]) == (
        True,
        "0.045",
        "500000.00",
    )

    day = today(SystemClock())
    invoice = {
        "buyerId": buyer.id,
        "registrationNumber": "91310000MA1FL7777X",
        "invoiceNumber": "INV-BOOK-1",
        "amount": "200000.00",
        "currency": "CNY",
        "issuedOn": (day - timedelta(days=3)).isoformat(),
        "dueOn": (day + timedelta(days=60)).isoformat(),
    }
    registered = await gql(client, REGISTER, {"i": invoice, "k": "inv-1"}, token=seller.token)
    receivable = registered["data"]["registerInvoice"]["receivable"]["id"]
    confirmed = await gql(client, CONFIRM, {"id": receivable}, token=buyer.token)
    [held] = confirmed["data"]["confirmInvoice"]["receivable"]["certificates"]
    assert held["financierId"] is None  # null while unfinanced

    paid = await gql(client, EARLY, {"id": held["id"], "k": "early-1"}, token=seller.token)
    certificate = paid["data"]["requestEarlyPayment"]["certificate"]
    platform = to_global_id("Participant", PLATFORM_ID)
    assert certificate == {
        "state": "FINANCED",
        "holderId": platform,
        "financierId": platform,
        "fundingOfferId": line["fundingOfferId"],
    }
    book["allowed"] = False
    stopped = await gql(client, BOOK, {"i": book}, token=operator.token)
    assert stopped["data"]["setSupplyChainPlatformBook"]["platformBook"]["allowed"] is False
    books = await gql(client, BOOKS, token=operator.token)
    assert books["data"]["supplyChainPlatformBooks"] == [
        {"coreEnterpriseId": buyer.id, "allowed": False, "used": {"amount": "200000.00"}}
    ]
