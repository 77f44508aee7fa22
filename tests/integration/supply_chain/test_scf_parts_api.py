"""Early payment in parts over GraphQL: the quote lists each offer's part, and the payload
the parts each bank now owns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from domain.clock import SystemClock, today
from support.graphql import gql
from support.security import Caller, create_person, submit_kyc

OFFER = """mutation O($i: FundingOfferInput!, $k: String!) { createFundingOffer(input: $i,
  idempotencyKey: $k) { offer { id } errors { code message } } }"""
DECIDE_KYC = "mutation D($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }"
REGISTER = """mutation R($i: RegisterInvoiceInput!, $k: String!) { registerInvoice(input: $i,
  idempotencyKey: $k) { receivable { id } errors { code field message } } }"""
CONFIRM = """mutation C($id: ID!) { confirmInvoice(receivableId: $id) {
  receivable { certificates { id } } errors { code } } }"""
QUOTE = """query Q($id: ID!) { quoteEarlyPayment(certificateId: $id) { fundingOfferId
  discountRate net { amount } parts { fundingOfferId amount { amount } discountRate
  discount { amount } fee { amount } net { amount } } } }"""
EARLY = """mutation E($id: ID!, $k: String!) { requestEarlyPayment(certificateId: $id,
  idempotencyKey: $k) { certificate { state } net { amount }
  parts { state amount { amount } financierId fundingOfferId parentId } errors { code } } }"""
LICENCE = "91310000MA1FL8888X"


async def data(client: httpx.AsyncClient, query: str, variables: Any, who: Caller) -> Any:
    body = await gql(client, query, variables, token=who.token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


async def test_a_certificate_no_offer_takes_whole_is_quoted_and_bought_in_parts(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    buyer = await create_person(app, "Core", roles=["CORE_ENTERPRISE"], kind="BUSINESS")
    seller = await create_person(app, "Supplier", roles=["MERCHANT"], kind="BUSINESS")
    banks = [
        await create_person(app, "Bank", roles=["PARTNER_BANK"], kind="BUSINESS") for _ in "ab"
    ]
    submission = await submit_kyc(client, seller, 0, business_licence=LICENCE)
    await data(
        client, DECIDE_KYC, {"i": {"submissionId": submission, "decision": "VERIFY"}}, operator
    )
    offers = []
    for who, rate in zip(banks, ("0.04", "0.05"), strict=True):
        terms = {
            "kind": "SUPPLY_CHAIN",
            "currency": "CNY",
            "capacity": "600000.00",  # neither takes 1,000,000.00 whole
            "rateFloor": rate,
            "maxTenorDays": 180,
            "minAmount": "1000.00",
            "maxAmount": "5000000.00",
            "perBorrowerCap": "5000000.00",
        }
        made = await data(client, OFFER, {"i": terms, "k": f"offer-{rate}"}, who)
        offers.append(made["offer"]["id"])
    day = today(SystemClock())
    invoice = {
        "buyerId": buyer.id,
        "registrationNumber": LICENCE,
        "invoiceNumber": "INV-PARTS-1",
        "amount": "1000000.00",
        "currency": "CNY",
        "issuedOn": (day - timedelta(days=3)).isoformat(),
        "dueOn": (day + timedelta(days=73)).isoformat(),
    }
    registered = await data(client, REGISTER, {"i": invoice, "k": "inv-1"}, seller)
    confirmed = await data(client, CONFIRM, {"id": registered["receivable"]["id"]}, buyer)
    [held] = confirmed["receivable"]["certificates"]

    shown = await data(client, QUOTE, {"id": held["id"]}, seller)
    paid = await data(client, EARLY, {"id": held["id"], "k": "early-1"}, seller)

    # 600,000.00 x 4 % x 73 / 365 = 4,800.00 and 400,000.00 x 5 % x 73 / 365 = 4,000.00;
    # fees 0.1 %: 600.00 and 400.00
    assert shown["parts"] == [
        {
            "fundingOfferId": offers[0],
            "amount": {"amount": "600000.00"},
            "discountRate": "0.04",
            "discount": {"amount": "4800.00"},
            "fee": {"amount": "600.00"},
            "net": {"amount": "594600.00"},
        },
        {
            "fundingOfferId": offers[1],
            "amount": {"amount": "400000.00"},
            "discountRate": "0.05",
            "discount": {"amount": "4000.00"},
            "fee": {"amount": "400.00"},
            "net": {"amount": "395600.00"},
        },
    ]
    assert (shown["fundingOfferId"], shown["discountRate"], shown["net"]) == (
        offers[0],
        "0.044",  # (600,000 x 4 % + 400,000 x 5 %) / 1,000,000
        {"amount": "990200.00"},
    )
    assert (paid["certificate"]["state"], paid["net"]) == ("SPLIT", shown["net"])
    assert paid["parts"] == [
        {
            "state": "FINANCED",
            "amount": {"amount": amount},
            "financierId": bank.id,
            "fundingOfferId": offer,
            "parentId": held["id"],
        }
        for bank, offer, amount in zip(banks, offers, ("600000.00", "400000.00"), strict=True)
    ]
