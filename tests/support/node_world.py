"""One object of every Node type, and who may see each: the IDOR tests' world.

Objects a client makes in one or two calls are made through the API; those only a long
life makes (settlement, a bank's claim, an active loan and its notes) are inserted as the
use cases leave them.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import SQLModel
from starlette.applications import Starlette

from domain.clock import FixedClock, SystemClock
from domain.consumer_credit.tables import BnplFundingRow
from domain.lending.tables import AutoInvestRuleRow, LoanMatch, LoanNote, NoteSale
from domain.participants.roles import GRANTABLE_ROLES, grantable_scopes
from domain.payments.tables import Payout, SettlementBatchRow
from domain.supply_chain.tables import Certificate, Receivable
from support.covers import provider, publish
from support.graphql import gql
from support.lending import CREATE_OFFER, offer_input, partner_bank, verified_borrower
from support.lending_world import listed_loan
from support.security import (
    ANONYMOUS,
    Caller,
    create_key,
    create_person,
    global_id,
    insert_webhook_delivery,
    insert_webhook_endpoint,
    key_of,
    set_kyc_level,
    submit_kyc,
)

ADJUST = """mutation A($input: AdjustWalletInput!, $key: String!) {
  adjustWallet(input: $input, idempotencyKey: $key) { errors { code } } }"""
CREATE_INTENT = """mutation C($input: CreatePaymentIntentInput!, $key: String!) {
  createPaymentIntent(input: $input, idempotencyKey: $key) {
    paymentIntent { id } errors { code field message } } }"""
PAY = """mutation P($id: ID!, $key: String!) {
  payIntent(paymentId: $id, idempotencyKey: $key) {
    paymentIntent { state } errors { code field message } } }"""
REFUND = """mutation R($id: ID!) {
  refundPayment(input: {paymentId: $id, amount: "1.00", currency: "CNY"},
                idempotencyKey: "node-refund") { refund { id } errors { code field message } } }"""
DISPUTE = """mutation D($id: ID!) {
  openDispute(paymentId: $id, reason: "the parcel never arrived") {
    dispute { id } errors { code field message } } }"""
SPLIT_RULE = """mutation S($merchant: ID!) {
  createSplitRule(input: {name: "platform tenth", currency: "CNY",
                          shares: [{role: PLATFORM, percentBps: 1000},
                                  {role: MERCHANT, partyId: $merchant, percentBps: 9000}]}) {
    splitRule { id } errors { code field message } } }"""
DECIDE_CREDIT = """mutation {
  decideBnplCredit(input: {currency: "CNY", declaredMonthlyIncome: "4000.00"}) {
    decision { id status } errors { code } } }"""
PAY_IN_INSTALLMENTS = """mutation B($id: ID!, $key: String!) {
  payInInstallments(paymentId: $id, installments: 3, idempotencyKey: $key) {
    plan { id } errors { code field message } } }"""
SHIP = """mutation S($id: ID!) {
  confirmShipment(paymentId: $id) { paymentIntent { state } errors { code field message } } }"""
CANCEL = """mutation X($id: ID!) {
  cancelPaymentIntent(paymentId: $id, idempotencyKey: "node-cancel") {
    paymentIntent { state } errors { code field message } } }"""
STATEMENT = '{ walletStatement(currency: "CNY", first: 1) { nodes { id } } }'
CREATE_CAMPAIGN = """mutation C($input: CreateCampaignInput!) {
  createCampaign(input: $input) { campaign { id tiers { id } } errors { code field message } } }"""
SUBMIT_CAMPAIGN = """mutation S($id: ID!) {
  submitCampaign(campaignId: $id) { campaign { id } errors { code field message } } }"""
REVIEW_CAMPAIGN = """mutation R($id: ID!) {
  reviewCampaign(input: {campaignId: $id, approve: true}) {
    campaign { state } errors { code field message } } }"""
PLEDGE = """mutation P($id: ID!) {
  pledge(input: {campaignId: $id, amount: "10.00", currency: "CNY"}, idempotencyKey: "node") {
    pledge { id } errors { code field message } } }"""
PUBLISH_PRODUCT = """mutation P($input: InsuranceProductInput!) {
  publishInsuranceProduct(input: $input) { product { id } errors { code field message } } }"""
BUY_POLICY = """mutation B($input: BuyPolicyInput!) {
  buyPolicy(input: $input, idempotencyKey: "node-policy") {
    policy { id } errors { code field message } } }"""
FILE_CLAIM = """mutation F($input: FileClaimInput!) {
  fileClaim(input: $input, idempotencyKey: "node-claim") {
    claim { id } errors { code field message } } }"""
TERM_PRODUCT = {
    "code": "NODE-TERM",
    "name": "node table cover",
    "kind": "TERM",
    "currency": "CNY",
    "premium": {"basis": "FIXED", "amount": "5.00"},
    "termDays": 30,
    "commissionBasisPoints": 1000,
}
CREATE_PLACEMENT = """mutation A($input: CreatePlacementInput!) {
  createPlacement(input: $input, idempotencyKey: "node-ad") {
    placement { id } errors { code field message } } }"""
CREATE_FUND = """mutation F($input: CreateFundInput!) {
  createFund(input: $input) { fund { id } errors { code field message } } }"""
SUBSCRIBE_FUND = """mutation S($id: ID!) {
  subscribeFund(input: {fundId: $id, amount: "20.00", currency: "CNY"},
                idempotencyKey: "node-buy") {
    holding { id } errors { code field message } } }"""
REDEEM_FUND = """mutation R($id: ID!) {
  redeemFund(input: {fundId: $id, amount: "5.00", currency: "CNY"}, idempotencyKey: "node-sell") {
    redemption { id } errors { code field message } } }"""
PUBLISH_PLAN = """mutation P($input: PublishLendingPlanInput!) {
  publishLendingPlan(input: $input) { plan { id } errors { code field message } } }"""
JOIN_PLAN = """mutation J($id: ID!) {
  joinLendingPlan(input: {planId: $id, amount: "10.00", currency: "CNY"},
                  idempotencyKey: "node-plan") { stake { id } errors { code field message } } }"""
PLAN = {
    "name": "node plan",
    "currency": "CNY",
    "termMonths": 6,
    "targetRate": "0.08",
    "capacity": "100000.00",
    "minimum": "10.00",
    "opensAt": "2020-01-01T00:00:00+00:00",
    "closesAt": "2099-01-01T00:00:00+00:00",
    "grades": ["A", "B"],
    "maxLoanShare": "0.2",
    "feeKind": "ASSETS",
    "feeRate": "0.01",
}
REWARD_CAMPAIGN = {
    "kind": "REWARD",
    "fundingModel": "ALL_OR_NOTHING",
    "goal": "1000.00",
    "currency": "CNY",
    "durationDays": 30,
    "title": "node table kettle",
    "tiers": [{"name": "early bird", "minimum": "10.00", "quantity": 5}],
}


@dataclass
class NodeObject:
    """An object's global id, who may see it, and whether every participant may."""

    id: str
    entitled: list[Caller] = field(default_factory=list)
    public: bool = False  # any signed-in participant sees it
    anonymous_too: bool = False  # ... and anyone at all
    # More of its type, in other states, that no caller but the world's own sees
    variants: list[str] = field(default_factory=list)


async def insert(app: Starlette, *rows: SQLModel) -> None:
    async with app.state.services.stores.sessions() as session:
        for row in rows:
            session.add(row)
            await session.flush()  # no ORM relationships: rows go in the order flushed
        await session.commit()


async def _ok(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None,
    caller: Caller,
    *path: str,
) -> Any:
    body = await gql(client, document, variables, token=caller.token)
    payload = body["data"][path[0]]
    assert not payload.get("errors"), body
    for step in path[1:]:
        payload = payload[step]
    return payload


async def _fund(client: httpx.AsyncClient, operator: Caller, person: Caller, key: str) -> None:
    await _ok(
        client,
        ADJUST,
        {
            "input": {
                "participantId": person.id,
                "amount": "100.00",
                "currency": "CNY",
                "reason": "funds for the node table",
            },
            "key": key,
        },
        operator,
        "adjustWallet",
    )


async def _intent(client: httpx.AsyncClient, merchant: Caller, order: str, mode: str) -> str:
    terms = {"amount": "10.00", "currency": "CNY", "orderReference": order, "mode": mode}
    variables = {"input": terms, "key": f"create-{order}"}
    return str(
        await _ok(
            client, CREATE_INTENT, variables, merchant, "createPaymentIntent", "paymentIntent", "id"
        )
    )


async def node_objects(
    app: Starlette, client: httpx.AsyncClient, operator: Caller, merchant: Caller
) -> dict[str, NodeObject]:
    """GraphQL type name -> one object of that type (besides those of `World.new_owner`)."""
    now = SystemClock().now()
    objects: dict[str, NodeObject] = {}

    # payments: a direct payment refunded in part; a held one disputed
    shopper = await create_person(app, "node-shopper", roles=["INVESTOR"])
    await _fund(client, operator, shopper, "node-shopper")
    direct = await _intent(client, merchant, "node-direct", "DIRECT")
    await _ok(client, PAY, {"id": direct, "key": "node-pay-direct"}, shopper, "payIntent")
    refund = await _ok(client, REFUND, {"id": direct}, merchant, "refundPayment", "refund", "id")
    objects["PaymentRefund"] = NodeObject(refund, [merchant, shopper, operator])
    held = await _intent(client, merchant, "node-held", "ESCROW")
    await _ok(client, PAY, {"id": held, "key": "node-pay-held"}, shopper, "payIntent")
    dispute = await _ok(client, DISPUTE, {"id": held}, shopper, "openDispute", "dispute", "id")
    objects["Dispute"] = NodeObject(dispute, [operator])
    shipped = await _intent(client, merchant, "node-shipped", "ESCROW")
    await _ok(client, PAY, {"id": shipped, "key": "node-pay-shipped"}, shopper, "payIntent")
    await _ok(client, SHIP, {"id": shipped}, merchant, "confirmShipment")
    cancelled = await _intent(client, merchant, "node-cancelled", "ESCROW")
    await _ok(client, CANCEL, {"id": cancelled}, merchant, "cancelPaymentIntent")
    objects["PaymentIntent"] = NodeObject(
        direct, [merchant, shopper, operator], variants=[held, shipped, cancelled]
    )
    rule = await _ok(
        client,
        SPLIT_RULE,
        {"merchant": merchant.id},
        merchant,
        "createSplitRule",
        "splitRule",
        "id",
    )
    objects["SplitRule"] = NodeObject(rule, [merchant])
    statement = await _ok(client, STATEMENT, None, shopper, "walletStatement", "nodes")
    objects["StatementEntry"] = NodeObject(statement[0]["id"], [shopper])

    # settlement, as the daily job leaves it
    assert merchant.id is not None
    batch = SettlementBatchRow(
        merchant_id=key_of(merchant.id),
        currency="CNY",
        settled_on=date(2026, 1, 5),
        gross=1_000,
        refunds=0,
        fees=6,
        splits=0,
        net=994,
        carried_in=0,
        payout=994,
        carried_out=0,
        lines=1,
        created_at=now,
    )
    payout = Payout(
        merchant_id=batch.merchant_id,
        batch_id=batch.id,
        amount=994,
        currency="CNY",
        state="PENDING",
        created_at=now,
        updated_at=now,
    )
    await insert(app, batch, payout)
    objects["SettlementBatch"] = NodeObject(global_id("SettlementBatch", batch.id), [merchant])
    objects["Payout"] = NodeObject(global_id("Payout", payout.id), [merchant])

    # BNPL: a verified shopper's decision and plan; a partner bank's claim on the plan
    buyer = await create_person(app, "node-bnpl", roles=["INVESTOR"])
    await set_kyc_level(app, buyer, 1)
    decision = await _ok(client, DECIDE_CREDIT, None, buyer, "decideBnplCredit", "decision")
    objects["BnplCreditDecision"] = NodeObject(decision["id"], [buyer, operator])
    bnpl = await _intent(client, merchant, "node-bnpl", "ESCROW")
    plan = await _ok(
        client,
        PAY_IN_INSTALLMENTS,
        {"id": bnpl, "key": "node-bnpl"},
        buyer,
        "payInInstallments",
        "plan",
        "id",
    )
    objects["BnplPlan"] = NodeObject(plan, [buyer])
    objects["PaymentIntent"].variants.append(bnpl)
    bank, _ = await partner_bank(app, client, operator, "node-bank")
    offer = await _ok(
        client,
        CREATE_OFFER,
        {"input": offer_input(), "key": "node-offer"},
        bank,
        "createFundingOffer",
        "offer",
        "id",
    )
    objects["FundingOffer"] = NodeObject(offer, [bank])
    assert bank.id is not None
    claim = BnplFundingRow(
        plan_id=key_of(plan),
        funder_kind="BANK",
        funder_id=key_of(bank.id),
        offer_id=key_of(offer),
        principal=1_000,
        annual_rate=Decimal("0.08"),
        principal_repaid=0,
        interest_received=0,
        created_at=now,
    )
    await insert(app, claim)
    objects["FundedPurchase"] = NodeObject(global_id("BnplFunding", claim.id), [bank])

    # lending: a loan being repaid (not public), an investor's note, match and open sale
    borrower = await verified_borrower(app, "node-borrower")
    investor = await create_person(app, "node-investor", roles=["INVESTOR"])
    assert borrower.id is not None
    assert investor.id is not None
    loan = await listed_loan(
        app.state.services.stores.sessions, FixedClock(now), key_of(borrower.id)
    )
    async with app.state.services.stores.sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE loan SET state = 'ACTIVE' WHERE id = :id"), {"id": loan.id}
        )
        await session.commit()
    investor_id = key_of(investor.id)
    note = LoanNote(
        loan_id=loan.id,
        holder_id=investor_id,
        funder_kind="INVESTOR",
        principal=100_000,
        annual_rate=Decimal("0.08"),
        status="ACTIVE",
        principal_received=0,
        interest_received=0,
        created_at=now,
    )
    rule_row = AutoInvestRuleRow(
        investor_id=investor_id,
        currency="CNY",
        grades=["B"],
        min_term_months=3,
        max_term_months=24,
        min_rate=Decimal("0.05"),
        max_per_loan=100_000,
        daily_budget=500_000,
        created_at=now,
        updated_at=now,
    )
    match = LoanMatch(
        loan_id=loan.id,
        source_kind="AUTO_INVEST",
        source_id=rule_row.id,
        funder_id=investor_id,
        amount=100_000,
        annual_rate=Decimal("0.08"),
        note_id=note.id,
        explanation={},
        created_at=now,
    )
    sale = NoteSale(
        note_id=note.id,
        seller_id=investor_id,
        price=100_000,
        transfer_fee=500,
        status="OPEN",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    await insert(app, note, rule_row, match, sale)
    objects["Loan"] = NodeObject(global_id("Loan", loan.id), [borrower])
    objects["LoanNote"] = NodeObject(global_id("LoanNote", note.id), [investor, borrower])
    # A funder sees its match on a loan it sees (Loan.matches); no query shows an investor
    # a loan being repaid, so only the borrower sees this one.
    objects["LoanMatch"] = NodeObject(global_id("LoanMatch", match.id), [borrower])
    objects["NoteSale"] = NodeObject(global_id("NoteSale", sale.id), public=True)
    objects["AutoInvestRule"] = NodeObject(global_id("AutoInvestRule", rule_row.id), [investor])
    objects["LoanApplication"] = NodeObject(
        global_id("LoanApplication", loan.application_id), [borrower, operator]
    )
    objects["LoanProduct"] = NodeObject(
        global_id("LoanProduct", loan.product_id), public=True, anonymous_too=True
    )

    # crowdfunding: a draft campaign (its creator's and the operators' alone) and its tier;
    # a pledge to a live one (its backer's, the creator's and the operators')
    creator = await create_person(app, "node-creator", roles=["BORROWER"])
    await set_kyc_level(app, creator, 1)
    draft = await _ok(
        client, CREATE_CAMPAIGN, {"input": REWARD_CAMPAIGN}, creator, "createCampaign", "campaign"
    )
    objects["Campaign"] = NodeObject(draft["id"], [creator, operator])
    objects["RewardTier"] = NodeObject(draft["tiers"][0]["id"], [creator, operator])
    live = await _ok(
        client, CREATE_CAMPAIGN, {"input": REWARD_CAMPAIGN}, creator, "createCampaign", "campaign"
    )
    await _ok(client, SUBMIT_CAMPAIGN, {"id": live["id"]}, creator, "submitCampaign")
    submitted = await _ok(
        client, CREATE_CAMPAIGN, {"input": REWARD_CAMPAIGN}, creator, "createCampaign", "campaign"
    )
    await _ok(client, SUBMIT_CAMPAIGN, {"id": submitted["id"]}, creator, "submitCampaign")
    objects["Campaign"].variants.append(submitted["id"])
    await _ok(client, REVIEW_CAMPAIGN, {"id": live["id"]}, operator, "reviewCampaign")
    pledge = await _ok(client, PLEDGE, {"id": live["id"]}, shopper, "pledge", "pledge", "id")
    objects["Pledge"] = NodeObject(pledge, [shopper, creator, operator])

    # supply chain: a confirmed invoice and its certificate, the supplier's, its core
    # enterprise's and the operators'
    supplier = await create_person(app, "node-supplier", roles=["MERCHANT"], kind="BUSINESS")
    buyer = await create_person(app, "node-core", roles=["INVESTOR"], kind="BUSINESS")
    assert supplier.id is not None
    assert buyer.id is not None
    invoice = Receivable(
        supplier_id=key_of(supplier.id),
        buyer_id=key_of(buyer.id),
        registration_number="91310000MA1FL0001X",
        invoice_number="NODE-1",
        currency="CNY",
        face_amount=100_00,
        amount=100_00,
        issued_on=now.date(),
        due_on=date(2099, 1, 1),
        fingerprint=uuid.uuid4().hex,
        state="CONFIRMED",
        created_at=now,
        updated_at=now,
    )
    claim = Certificate(
        receivable_id=invoice.id,
        buyer_id=invoice.buyer_id,
        supplier_id=invoice.supplier_id,
        holder_id=invoice.supplier_id,
        currency="CNY",
        amount=100_00,
        due_on=invoice.due_on,
        state="HELD",
        created_at=now,
        updated_at=now,
    )
    await insert(app, invoice, claim)
    objects["Receivable"] = NodeObject(
        global_id("Receivable", invoice.id), [supplier, buyer, operator]
    )
    objects["Certificate"] = NodeObject(
        global_id("Certificate", claim.id), [supplier, buyer, operator]
    )

    # covers: an insurer's standing offer to cover products' loans
    insurer, _ = await provider(app, client, operator, "INSURER", ["POLICIES_WRITE"])
    cover = await publish(client, insurer.token or "", "node-cover", kind="INSURANCE", share="0.8")
    objects["CoverOffer"] = NodeObject(cover["offer"]["id"], [insurer, operator])

    # insurance: a product (public terms), a policy the shopper bought and a claim it filed
    # (the holder's, the insurer's and the operators')
    product = await _ok(
        client,
        PUBLISH_PRODUCT,
        {"input": TERM_PRODUCT},
        insurer,
        "publishInsuranceProduct",
        "product",
        "id",
    )
    objects["InsuranceProduct"] = NodeObject(product, public=True, anonymous_too=True)
    bought = {"productId": product, "insuredAmount": "100.00", "currency": "CNY"}
    policy = await _ok(client, BUY_POLICY, {"input": bought}, shopper, "buyPolicy", "policy", "id")
    objects["Policy"] = NodeObject(policy, [shopper, insurer, operator])
    loss = {"policyId": policy, "loss": "10.00", "currency": "CNY"}
    claim = await _ok(client, FILE_CLAIM, {"input": loss}, shopper, "fileClaim", "claim", "id")
    objects["Claim"] = NodeObject(claim, [shopper, insurer, operator])
    # wealth: a fund (a product anyone may browse), the shopper's holding (theirs and the
    # operators') and redemption (theirs, the fund's manager's and the operators')
    manager, _ = await provider(app, client, operator, "ASSET_MANAGER", ["FUNDS_READ"])
    terms = {"name": "node fund", "managerId": manager.id, "managementFeeRate": "0.003"}
    fund = await _ok(client, CREATE_FUND, {"input": terms}, operator, "createFund", "fund", "id")
    objects["Fund"] = NodeObject(fund, public=True, anonymous_too=True)
    holding = await _ok(
        client, SUBSCRIBE_FUND, {"id": fund}, shopper, "subscribeFund", "holding", "id"
    )
    objects["FundHolding"] = NodeObject(holding, [shopper, operator])
    redemption = await _ok(
        client, REDEEM_FUND, {"id": fund}, shopper, "redeemFund", "redemption", "id"
    )
    objects["FundRedemption"] = NodeObject(redemption, [shopper, manager, operator])
    # advertising: the manager promotes its fund (the placement is its and the operators')
    await _fund(client, operator, manager, "node-ad-budget")
    promote = {
        "itemId": fund,
        "pricing": "CPM",
        "bid": {"amount": "5.00", "currency": "CNY"},
        "budget": {"amount": "50.00", "currency": "CNY"},
        "endsAt": "2999-01-01T00:00:00+00:00",
    }
    placement = await _ok(
        client, CREATE_PLACEMENT, {"input": promote}, manager, "createPlacement", "placement", "id"
    )
    objects["Placement"] = NodeObject(placement, [manager, operator])
    plan = await _ok(client, PUBLISH_PLAN, {"input": PLAN}, operator, "publishLendingPlan", "plan")
    objects["LendingPlan"] = NodeObject(plan["id"], public=True, anonymous_too=True)
    stake = await _ok(client, JOIN_PLAN, {"id": plan["id"]}, shopper, "joinLendingPlan", "stake")
    objects["PlanStake"] = NodeObject(stake["id"], [shopper, operator])
    return objects


@dataclass
class NodeWorld:
    """An owner's objects, the intruders who may not see them, and one object of every Node
    type with who may see it."""

    app: Starlette
    client: httpx.AsyncClient
    owner: Caller = ANONYMOUS
    ids: dict[str, str] = field(default_factory=dict)  # type name -> the owner's object
    intruders: dict[str, Caller] = field(default_factory=dict)
    operator: Caller = ANONYMOUS
    serial: int = 500
    nodes: dict[str, NodeObject] = field(default_factory=dict)  # Node type -> one object

    async def new_owner(self) -> tuple[Caller, dict[str, str]]:
        """A merchant with a phone, a pending KYC submission and an API key."""
        self.serial += 1
        owner = await create_person(
            self.app, "owner", roles=["BORROWER", "MERCHANT"], phone=f"+86139{self.serial:08d}"
        )
        ids = {
            "Participant": str(owner.id),
            "KycSubmission": await submit_kyc(self.client, owner, self.serial),
            "ApiKey": (await create_key(self.client, owner, ["PAYMENTS_READ"]))[0],
            "WebhookEndpoint": await insert_webhook_endpoint(self.app, owner),
            "PaymentIntent": await self.paid_intent(owner),
            "BnplPlan": await self.bnpl_plan(owner),
        }
        ids["WebhookDelivery"] = await insert_webhook_delivery(
            self.app, owner, ids["WebhookEndpoint"]
        )
        return owner, ids

    async def paid_intent(self, merchant: Caller) -> str:
        """A payment to `merchant`, paid (held in escrow) by a shopper of its own."""
        shopper = await create_person(self.app, "shopper", roles=["INVESTOR"])
        await _fund(self.client, self.operator, shopper, f"fund-{self.serial}")
        payment = await _intent(self.client, merchant, f"idor-{self.serial}", "ESCROW")
        paid = await _ok(
            self.client,
            PAY,
            {"id": payment, "key": f"pay-{self.serial}"},
            shopper,
            "payIntent",
            "paymentIntent",
        )
        assert paid["state"] == "HELD", paid
        return payment

    async def bnpl_plan(self, merchant: Caller) -> str:
        """A purchase from `merchant` paid in installments by a verified shopper of its own."""
        shopper = await create_person(self.app, "bnpl-shopper", roles=["INVESTOR"])
        await set_kyc_level(self.app, shopper, 1)
        await _ok(self.client, DECIDE_CREDIT, None, shopper, "decideBnplCredit")
        payment = await _intent(self.client, merchant, f"idor-bnpl-{self.serial}", "ESCROW")
        variables = {"id": payment, "key": f"bnpl-{self.serial}"}
        plan = await _ok(
            self.client, PAY_IN_INSTALLMENTS, variables, shopper, "payInInstallments", "plan"
        )
        return str(plan["id"])


async def node_world(app: Starlette, client: httpx.AsyncClient) -> NodeWorld:
    """An owner (a borrower and merchant) with one of each of its objects, intruders of every
    kind, and one object of every Node type."""
    w = NodeWorld(app, client)
    w.operator = await create_person(app, "operator", roles=["OPERATOR"])
    w.owner, w.ids = await w.new_owner()
    merchant = await create_person(app, "merchant", roles=["MERCHANT"], kind="BUSINESS")
    _, secret = await create_key(
        client, merchant, ["PROFILE_READ", "PAYMENTS_READ", "PAYMENTS_WRITE", "WALLET_READ"]
    )
    w.intruders = {
        "anonymous": ANONYMOUS,
        "borrower": await create_person(app, "borrower", roles=["BORROWER"]),
        "investor": await create_person(app, "investor", roles=["INVESTOR"]),
        "merchant": merchant,
        "merchant_key": Caller("merchant_key", secret, merchant.id, merchant.email),
        "operator": w.operator,
    }
    owner, operator = w.owner, w.operator
    w.nodes = {
        "Participant": NodeObject(w.ids["Participant"], [owner, operator]),
        "KycSubmission": NodeObject(w.ids["KycSubmission"], [owner, operator]),
        "ApiKey": NodeObject(w.ids["ApiKey"], [owner]),
        "WebhookEndpoint": NodeObject(w.ids["WebhookEndpoint"], [owner]),
        "WebhookDelivery": NodeObject(w.ids["WebhookDelivery"], [owner]),
        **await node_objects(app, client, operator, owner),
    }
    w.nodes["PaymentIntent"].variants.append(w.ids["PaymentIntent"])
    w.ids["Loan"] = w.nodes["Loan"].id
    return w


async def stranger(world: NodeWorld) -> tuple[Caller, Caller]:
    """(a participant holding every role but OPERATOR, verified and funded, and its key with
    every scope): entitled to nothing of the world's, so only ownership can refuse it."""
    roles = sorted(role.value for role in GRANTABLE_ROLES)
    person = await create_person(world.app, "stranger", roles=roles, kind="BUSINESS")
    async with world.app.state.services.stores.sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = 1, kyc_status = 'VERIFIED' WHERE id = :id"),
            {"id": key_of(person.id or "")},
        )
        await session.commit()
    await _fund(world.client, world.operator, person, "stranger")
    scopes = sorted(scope.name for scope in grantable_scopes(GRANTABLE_ROLES))
    _, secret = await create_key(world.client, person, scopes)
    return person, Caller("stranger_key", secret, person.id, person.email)


def _b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode()


def malformed_ids(type_name: str) -> dict[str, str]:
    """Ids that name nothing, each wrong in its own way."""
    key = uuid.uuid4()
    other_type = "ApiKey" if type_name != "ApiKey" else "Participant"
    return {
        "not base64": "%%not-base64%%",
        "empty": "",
        "bare uuid": str(key),
        "base64 of binary": _b64(b"\xff\xfe\x00\x01"),
        "no colon": _b64(type_name),
        "no key": _b64(f"{type_name}:"),
        "unknown type": _b64(f"Loan:{key}"),
        "another type": _b64(f"{other_type}:{key}"),
        "not a uuid": _b64(f"{type_name}:12345"),
        "injection": _b64(f"{type_name}:' OR '1'='1"),
        "nul byte": _b64(f"{type_name}:\x00{key}"),
        "unpadded": _b64(f"{type_name}:{key}!").rstrip("="),
        "non-ascii": "参与者:" + str(key),
        "very long": "QUFB" * 2500,  # the edge's limit: longer is INVALID_INPUT, whatever it names
        "unicode in base64": _b64(f"{type_name}:{key}é"),
    }


def without_messages(body: dict[str, Any]) -> dict[str, Any]:
    """The body with error messages blanked: the same answer, maybe worded otherwise."""

    def blank(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ("…" if k == "message" else blank(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    return blank(body)  # type: ignore[no-any-return]
