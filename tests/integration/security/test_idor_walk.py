"""Every id any root field takes, walked from the schema: another's object answers as none.

Each position of type ID (an argument, or a field of an input object at any depth) names the
Node type it takes in ID_TYPES, or says why no participant's object can leak through it; a
position missing from the table fails, so a new field cannot escape. For each named position,
the world's objects of that type (one in each state the world holds) are sent by a stranger
(every role but OPERATOR, verified, funded, and its key with every scope: only ownership can
refuse them) and by every intruder they are not for, the other arguments valid-looking; each
answer must be identical to the answer for a random id of the same type, and never an
INTERNAL_ERROR. Malformed ids (empty, not base64, another type's ...) answer as a missing id
too, to the owner as well.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from domain.actors import Actor, ActorKind
from domain.participants.roles import GRANTABLE_ROLES, Role, grantable_scopes
from support.node_world import (
    NodeObject,
    NodeWorld,
    malformed_ids,
    node_world,
    stranger,
    without_messages,
)
from support.schema_walk import (
    POSITIONS,
    ROOT_FIELDS,
    ROOTS,
    Position,
    every_field,
    permission_of,
    request,
    with_value,
)
from support.security import LEAKS, Caller, missing_id, running_app
from support.stores import StoreUrls


@dataclass(frozen=True)
class Exempt:
    """Why a position needs no IDOR check."""

    reason: str


@dataclass(frozen=True)
class OperatorsToo:
    """A position whose field shows an operator the object, though `node` does not."""

    type_name: str
    reason: str


@dataclass(frozen=True)
class Public(Exempt):
    """Every participant sees objects of `type_name`: whose they are is no secret."""

    type_name: str = ""


OPERATORS_ONLY = Exempt("operators only: an operator may act on every participant's objects")
NODE = Exempt("node/nodes: every Node type is walked in test_idor")
ANY_PARTICIPANT = Exempt("anyone may pay anyone: the recipient need not be seen")
SCF_BUYERS = Exempt(
    "an offer lists the core enterprises it accepts; never looked up, so it reveals nothing"
)

# Position -> the Node type whose id it takes, or why it needs no check. The single truth.
ID_TYPES: dict[str, str | OperatorsToo | Exempt] = {
    "Query.node(id)": NODE,
    "Query.nodes(ids)": NODE,
    "Query.participant(id)": "Participant",
    "Query.merchantFeePlan(merchantId)": "Participant",
    "Query.bnplCreditDecisions(shopperId)": "Participant",
    "Query.auditLog(actorId)": OPERATORS_ONLY,
    "Query.loanApplication(id)": "LoanApplication",
    "Query.loanPayoffQuote(loanId)": "Loan",
    "Query.webhookDeliveries(endpointId)": "WebhookEndpoint",
    "Query.paymentIntent(id)": "PaymentIntent",
    "Query.paymentRefunds(paymentId)": "PaymentIntent",
    "Query.settlementReportCsv(batchId)": OperatorsToo(
        "SettlementBatch", "operators read every merchant's settlement report"
    ),
    # participants
    "Mutation.grantRole(participantId)": OPERATORS_ONLY,
    "Mutation.decideKyc(input.submissionId)": OPERATORS_ONLY,
    "Mutation.revealDocumentNumber(submissionId)": OPERATORS_ONLY,
    "Mutation.rotateApiKey(id)": "ApiKey",
    "Mutation.revokeApiKey(id)": "ApiKey",
    # wallets
    "Mutation.transfer(input.recipientId)": ANY_PARTICIPANT,
    "Mutation.adjustWallet(input.participantId)": OPERATORS_ONLY,
    "Mutation.createHold(input.participantId)": OPERATORS_ONLY,
    "Mutation.captureHold(holdId)": OPERATORS_ONLY,
    "Mutation.releaseHold(holdId)": OPERATORS_ONLY,
    # lending
    "Mutation.updateFundingOffer(id)": "FundingOffer",
    "Mutation.withdrawFundingOffer(id)": "FundingOffer",
    "Mutation.withdrawCoverOffer(id)": "CoverOffer",
    "Mutation.createLoanProduct(input.cover.providerId)": OPERATORS_ONLY,
    "Mutation.createLoanProduct(input.cover.offerId)": OPERATORS_ONLY,
    "Mutation.updateLoanProduct(id)": OPERATORS_ONLY,
    "Mutation.updateLoanProduct(input.cover.providerId)": OPERATORS_ONLY,
    "Mutation.updateLoanProduct(input.cover.offerId)": OPERATORS_ONLY,
    "Mutation.applyForLoan(input.productId)": Public(
        "every product is open to every borrower", "LoanProduct"
    ),
    "Mutation.acceptLoanOffer(applicationId)": "LoanApplication",
    "Mutation.decideLoanReview(input.applicationId)": OPERATORS_ONLY,
    "Mutation.buyNote(input.loanId)": "Loan",
    "Mutation.repayLoan(input.loanId)": "Loan",
    "Mutation.listNoteForSale(input.noteId)": "LoanNote",
    "Mutation.buyListedNote(saleId)": Public(
        "a listed note is for sale to every investor", "NoteSale"
    ),
    "Mutation.cancelNoteSale(saleId)": Public(
        "every investor sees an open sale; only its seller may cancel it", "NoteSale"
    ),
    "Mutation.updateAutoInvestRule(id)": "AutoInvestRule",
    "Mutation.deleteAutoInvestRule(id)": "AutoInvestRule",
    # webhooks
    "Mutation.updateWebhookEndpoint(input.id)": "WebhookEndpoint",
    "Mutation.rotateWebhookSecret(id)": "WebhookEndpoint",
    "Mutation.deleteWebhookEndpoint(id)": "WebhookEndpoint",
    "Mutation.redeliverWebhook(deliveryId)": "WebhookDelivery",
    # payments
    "Mutation.createPaymentIntent(input.splitRuleId)": "SplitRule",
    "Mutation.createPaymentIntent(input.split.partyId)": ANY_PARTICIPANT,
    "Mutation.createSplitRule(input.shares.partyId)": ANY_PARTICIPANT,
    "Mutation.archiveSplitRule(id)": "SplitRule",
    "Mutation.payIntent(paymentId)": "PaymentIntent",
    "Mutation.confirmShipment(paymentId)": "PaymentIntent",
    "Mutation.confirmReceipt(paymentId)": "PaymentIntent",
    "Mutation.extendEscrow(paymentId)": "PaymentIntent",
    "Mutation.cancelPaymentIntent(paymentId)": "PaymentIntent",
    "Mutation.cancelReturnShippingCover(paymentId)": "PaymentIntent",
    "Mutation.refundPayment(input.paymentId)": "PaymentIntent",
    "Mutation.openDispute(paymentId)": "PaymentIntent",
    "Mutation.resolveDispute(input.disputeId)": OPERATORS_ONLY,
    "Mutation.setMerchantFeePlan(input.merchantId)": OPERATORS_ONLY,
    "Mutation.payInInstallments(paymentId)": "PaymentIntent",
    "Mutation.repayInstallments(planId)": "BnplPlan",
    # crowdfunding: a campaign not yet live is its creator's (and the operators') alone
    "Query.campaign(id)": "Campaign",
    "Query.campaignPledges(campaignId)": "Campaign",
    "Query.capTable(campaignId)": "Campaign",
    "Mutation.createCampaign(input.debt.loanProductId)": Public(
        "every product is open to every borrower", "LoanProduct"
    ),
    "Mutation.submitCampaign(campaignId)": "Campaign",
    "Mutation.reviewCampaign(input.campaignId)": OPERATORS_ONLY,
    "Mutation.cancelCampaign(campaignId)": "Campaign",
    "Mutation.amendCampaign(input.campaignId)": "Campaign",
    "Mutation.pledge(input.campaignId)": "Campaign",
    "Mutation.pledge(input.tierId)": "RewardTier",
    "Mutation.cancelPledge(pledgeId)": "Pledge",
    "Mutation.reducePledge(input.pledgeId)": "Pledge",
    "Mutation.reconfirmPledge(pledgeId)": "Pledge",
    "Mutation.refundPledge(input.pledgeId)": "Pledge",
    "Mutation.markRewardFulfilled(pledgeId)": "Pledge",
    # insurance: product terms are public; policies and claims their holder's and insurer's
    "Mutation.publishCoverOffer(input.insuranceProductId)": Public(
        "product terms are public; another insurer's product answers NOT_FOUND", "InsuranceProduct"
    ),
    "Mutation.payIntent(returnShippingProductId)": Public(
        "every product on sale is open to every buyer", "InsuranceProduct"
    ),
    "Mutation.createPaymentIntent(input.returnShippingProductId)": Public(
        "every product on sale is open to every buyer", "InsuranceProduct"
    ),
    "Query.insuranceProduct(id)": Public("product terms are public", "InsuranceProduct"),
    "Query.insuranceQuote(productId)": Public("product terms are public", "InsuranceProduct"),
    "Query.policy(id)": "Policy",
    "Query.claim(id)": "Claim",
    "Mutation.withdrawInsuranceProduct(productId)": Public(
        "product terms are public; another insurer's product answers NOT_FOUND", "InsuranceProduct"
    ),
    "Mutation.buyPolicy(input.productId)": Public(
        "every product on sale is open to every buyer", "InsuranceProduct"
    ),
    "Mutation.cancelPolicy(policyId)": "Policy",
    "Mutation.fileClaim(input.policyId)": "Policy",
    "Mutation.decideClaim(input.claimId)": "Claim",
    # partners: a partner reads its own statements whatever id it names; operators, any
    "Mutation.setPartnerAgreement(input.partnerId)": OPERATORS_ONLY,
    "Query.partnerStatements(partnerId)": Exempt(
        "read for operators alone: a partner always gets its own statements"
    ),
    "Query.partnerStatementCsv(partnerId)": Exempt(
        "read for operators alone: a partner always gets its own statements"
    ),
    # supply chain
    "Query.receivable(id)": "Receivable",
    "Query.certificate(id)": "Certificate",
    "Query.quoteEarlyPayment(certificateId)": "Certificate",
    "Mutation.registerInvoice(input.buyerId)": Exempt(
        "any verified business may invoice any core enterprise; a missing buyer and one that "
        "is not a core enterprise are answered alike"
    ),
    "Mutation.applyCreditNote(input.receivableId)": "Receivable",
    "Mutation.confirmInvoice(receivableId)": "Receivable",
    "Mutation.rejectInvoice(receivableId)": "Receivable",
    "Mutation.payReceivable(receivableId)": "Receivable",
    "Mutation.splitCertificate(input.certificateId)": "Certificate",
    "Mutation.splitCertificate(input.parts.recipientId)": ANY_PARTICIPANT,
    "Mutation.requestEarlyPayment(certificateId)": "Certificate",
    "Mutation.exerciseRecourse(certificateId)": "Certificate",
    "Mutation.setSupplyChainProgramme(input.coreEnterpriseId)": OPERATORS_ONLY,
    "Mutation.setSupplyChainPlatformBook(input.coreEnterpriseId)": OPERATORS_ONLY,
    "Mutation.createFundingOffer(input.coreEnterpriseIds)": SCF_BUYERS,
    "Mutation.updateFundingOffer(input.coreEnterpriseIds)": SCF_BUYERS,
    "Subscription.campaignUpdated(campaignId)": Exempt(
        "a filter on the caller's own events: another's campaign's never reach it"
    ),
    # wealth: funds are products anyone may browse; what a fund's id opens is the caller's
    # own (holdings, redemptions) or its manager's (days: another's fund reads as missing)
    "Mutation.createPlacement(input.itemId)": "Campaign",
    "Mutation.cancelPlacement(input.placementId)": "Placement",
    "Mutation.clickPromotion(input.placementId)": Exempt(
        "browsing lists show every promotion's placement id to anyone; a click answers only "
        "the item the list showed"
    ),
    "Query.fund(id)": Public("every fund is a product anyone may browse", "Fund"),
    "Query.fundDays(fundId)": Public("the fund is public; its days are its manager's", "Fund"),
    "Query.myFundRedemptions(fundId)": Exempt("a filter on the caller's own redemptions"),
    "Mutation.createFund(input.managerId)": OPERATORS_ONLY,
    "Mutation.createFund(input.custodianId)": OPERATORS_ONLY,
    "Mutation.publishFundIncome(input.fundId)": Public(
        "the fund is public; only its manager may publish its days", "Fund"
    ),
    "Mutation.subscribeFund(input.fundId)": Public("anyone may buy an open fund", "Fund"),
    "Mutation.redeemFund(input.fundId)": Public(
        "the fund is public; the caller redeems only its own holding", "Fund"
    ),
    "Mutation.joinLendingPlan(input.planId)": Public(
        "every plan is a product anyone may join", "LendingPlan"
    ),
    "Mutation.leaveLendingPlan(input.planId)": Public(
        "the plan is public; the caller leaves only its own stake", "LendingPlan"
    ),
    "Subscription.fundIncomePosted(fundId)": Exempt(
        "a filter on the caller's own events: another's fund's never reach it"
    ),
}


def name_of(position: Position) -> str:
    """`Mutation.buyNote(input.loanId)`: the field, and the path to the id (lists entered)."""
    steps = ".".join(str(step) for step in position.path if isinstance(step, str))
    return f"{ROOTS[position.operation]}.{position.field}({steps})"


ID_POSITIONS = {name_of(p): p for p in POSITIONS if p.scalar == "ID"}
PERMISSIONS = {(r.operation, r.name): permission_of(r) for r in ROOT_FIELDS}
CHECKED = sorted(name for name, named in ID_TYPES.items() if not isinstance(named, Exempt))


def test_every_id_position_of_the_schema_is_in_the_table() -> None:
    """A new field taking an id fails here until the table names the type it takes."""
    assert sorted(set(ID_POSITIONS) - set(ID_TYPES)) == []
    assert sorted(set(ID_TYPES) - set(ID_POSITIONS)) == []  # no stale rows either
    assert len(CHECKED) > 30


def test_operator_only_exemptions_are_declared_operators_only() -> None:
    exempted = [ID_POSITIONS[n] for n, named in ID_TYPES.items() if named is OPERATORS_ONLY]

    assert [
        name_of(p) for p in exempted if PERMISSIONS[p.operation, p.field].roles != {Role.OPERATOR}
    ] == []


def test_node_exemptions_are_node_and_nodes() -> None:
    assert sorted(n for n, named in ID_TYPES.items() if named is NODE) == [
        "Query.node(id)",
        "Query.nodes(ids)",
    ]


@dataclass
class Walk:
    world: NodeWorld
    stranger: Caller
    strangers_key: Caller

    def intruders(self, call: Call) -> list[Caller]:
        """The stranger, its key, and every intruder of the world the object is not for."""
        everyone = [self.stranger, self.strangers_key, *self.world.intruders.values()]
        entitled = call.theirs.entitled
        if call.operators_too:
            entitled = [*entitled, self.world.operator]
        return [caller for caller in everyone if caller not in entitled]


# What the stranger is to the declarations: every role but OPERATOR, a key with every scope.
STRANGER = Actor(ActorKind.PERSON, uuid.uuid4(), GRANTABLE_ROLES)
STRANGERS_KEY = Actor(
    ActorKind.API_KEY,
    uuid.uuid4(),
    GRANTABLE_ROLES,
    grantable_scopes(GRANTABLE_ROLES),
    api_key_id=uuid.uuid4(),
)


@pytest.fixture(scope="module")
async def walk(stores: StoreUrls) -> AsyncIterator[Walk]:
    async with running_app(stores) as (app, client):
        world = await node_world(app, client)
        yield Walk(world, *await stranger(world))


def id_type(global_id: str) -> str:
    return base64.urlsafe_b64decode(global_id).decode().partition(":")[0]


def _selection(type_: Any) -> str:
    """Every field of the answer but the replay marker, errors with their messages."""
    return every_field(type_, skip=("idempotency",))


async def ask(walk: Walk, caller: Caller, query: str, variables: dict[str, Any]) -> Any:
    """The answer, with a fresh idempotency key (a refusal is kept under its key)."""
    if "idempotencyKey" in variables:
        variables = {**variables, "idempotencyKey": f"walk-{uuid.uuid4().hex}"}
    headers = {"authorization": f"Bearer {caller.token}"} if caller.token else {}
    response = await walk.world.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert not any(leak in response.text for leak in LEAKS), response.text
    assert "INTERNAL_ERROR" not in response.text, response.text
    return response.json()


@dataclass(frozen=True)
class Call:
    """One named position's request, about the world's object of its type."""

    position: Position
    theirs: NodeObject
    query: str
    variables: dict[str, Any]
    operators_too: bool

    def naming(self, object_id: str) -> dict[str, Any]:
        p = self.position
        return with_value(p.operation, p.field, self.variables, p.path, object_id)


def call_of(walk: Walk, name: str) -> Call:
    position = ID_POSITIONS[name]
    named = ID_TYPES[name]
    assert not isinstance(named, Exempt)
    type_name = named if isinstance(named, str) else named.type_name
    assert position.operation != "subscription", "the walk sends queries and mutations only"
    theirs = walk.world.nodes[type_name]
    assert not theirs.public, f"{type_name} is public: exempt {name} and say why"
    # Only whose the object is can refuse the stranger: the declaration lets them by.
    permission = PERMISSIONS[position.operation, position.field]
    assert permission.refusal(STRANGER) is None or permission.refusal(STRANGERS_KEY) is None
    query, variables = request(
        position.operation, position.field, {position.path: theirs.id}, select=_selection
    )
    return Call(position, theirs, query, variables, isinstance(named, OperatorsToo))


def by_participant(callers: list[Caller]) -> list[list[Caller]]:
    """The callers grouped by whose they are (the stranger and its key are one participant)."""
    groups: dict[str, list[Caller]] = {}
    for caller in callers:
        groups.setdefault(caller.id or caller.name, []).append(caller)
    return list(groups.values())


@pytest.mark.parametrize("name", CHECKED)
async def test_anothers_object_answers_exactly_as_a_missing_one(walk: Walk, name: str) -> None:
    call = call_of(walk, name)
    object_ids = (call.theirs.id, *call.theirs.variants)

    # Participants are asked at once, each one's requests in turn: none waits on its own
    # wallet or keys, and every answer is the same whoever else is asking.
    async def compare(callers: list[Caller]) -> dict[tuple[str, str], Any]:
        differ = {}
        # What a missing id gets, asked once per caller and id type: the object's variants (a
        # payment held, shipped, cancelled, ...) are each compared with it.
        missing_answers: dict[tuple[str, str], Any] = {}
        for object_id in object_ids:
            for caller in callers:
                seen_as = (caller.name, id_type(object_id))
                if seen_as not in missing_answers:
                    missing = call.naming(missing_id(id_type(object_id)))
                    missing_answers[seen_as] = await ask(walk, caller, call.query, missing)
                missing_answer = missing_answers[seen_as]
                theirs_answer = await ask(walk, caller, call.query, call.naming(object_id))

                if theirs_answer != missing_answer:
                    differ[caller.name, object_id] = (theirs_answer, missing_answer)
                # The id was judged: no other argument was refused first.
                assert "INVALID_INPUT" not in str(missing_answer), (call.query, missing_answer)
        return differ

    found = await asyncio.gather(*map(compare, by_participant(walk.intruders(call))))

    assert {k: v for differ in found for k, v in differ.items()} == {}, call.query


@pytest.mark.parametrize("name", CHECKED)
async def test_a_malformed_id_answers_as_a_missing_one(walk: Walk, name: str) -> None:
    call = call_of(walk, name)

    async def wrong_for(caller: Caller) -> dict[str, Any]:
        missing = await ask(
            walk, caller, call.query, call.naming(missing_id(id_type(call.theirs.id)))
        )

        answers = {
            kind: without_messages(await ask(walk, caller, call.query, call.naming(malformed)))
            for kind, malformed in malformed_ids(id_type(call.theirs.id)).items()
        }

        return {kind: a for kind, a in answers.items() if a != without_messages(missing)}

    # The owner too: an id that names nothing must not read as "no id" (all of mine). Three
    # participants, asked at once.
    callers = (walk.stranger, walk.world.operator, walk.world.owner)
    wrong = await asyncio.gather(*map(wrong_for, callers))

    assert {c.name: w for c, w in zip(callers, wrong, strict=True) if w} == {}, call.query


async def test_what_is_exempt_as_public_is_public(walk: Walk) -> None:
    public = {named.type_name for named in ID_TYPES.values() if isinstance(named, Public)}

    assert public
    assert {t for t in public if not walk.world.nodes[t].public} == set()
