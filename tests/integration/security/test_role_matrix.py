"""Who may call what: every query and mutation of the schema, for every kind of caller.

Each row is one operation with its expected outcome per caller: OK (a value, no error),
NULL (the nullable field is null) or the code that refuses it, whether it comes as a
top-level error (queries) or in the payload's `errors` (mutations). Adding an operation is
adding a row.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from graphql import FieldNode, OperationDefinitionNode, parse
from starlette.applications import Starlette

from support.graphql import PASSWORD, gql, unique_email
from support.security import (
    ANONYMOUS,
    NULL,
    OK,
    Caller,
    create_key,
    create_person,
    granted,
    insert_api_key,
    insert_webhook_endpoint,
    missing_id,
    outcome,
    refresh_token_of,
    resident_id,
    running_app,
    submit_kyc,
)
from support.stores import StoreUrls

UNAUTHENTICATED, FORBIDDEN, NOT_FOUND = "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"
INVALID_INPUT = "INVALID_INPUT"
KYC_REQUIRED = "KYC_REQUIRED"

# name -> (self-service roles at sign-up, kind, role the operator grants afterwards)
PEOPLE: dict[str, tuple[list[str], str, str | None]] = {
    "borrower": (["BORROWER"], "PERSON", None),
    "investor": (["INVESTOR"], "PERSON", None),
    "merchant": (["MERCHANT"], "BUSINESS", None),
    "partner_bank": (["INVESTOR"], "BUSINESS", "PARTNER_BANK"),
    "insurer": (["INVESTOR"], "BUSINESS", "INSURER"),
    "core_enterprise": (["INVESTOR"], "BUSINESS", "CORE_ENTERPRISE"),
}
# merchant_key: a MERCHANT's API key with the payments:read scope alone.
CALLERS = ("anonymous", *PEOPLE, "merchant_key", "operator")


def expect(default: str, **by_caller: str) -> dict[str, str]:
    unknown = set(by_caller) - set(CALLERS)
    assert not unknown, f"no such caller: {unknown}"
    return {name: by_caller.get(name, default) for name in CALLERS}


PUBLIC = expect(OK)
OPERATORS_ONLY = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=OK)
PEOPLE_ONLY = expect(OK, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)
# What the operator may read; to anyone else it does not exist.
OPERATOR_SEES = expect(NULL, operator=OK)
# Your own object: only an API key without profile:read should be refused.
YOURS = expect(OK, anonymous=NULL, merchant_key=FORBIDDEN)
# By id, a refusal looks like a missing object: null, like someone else's.
YOURS_BY_ID = expect(OK, anonymous=NULL, merchant_key=NULL)


@dataclass
class Matrix:
    """The app, one signed-in caller of each kind, and a subject other callers act on."""

    app: Starlette
    client: httpx.AsyncClient
    callers: dict[str, Caller] = field(default_factory=dict)
    subject: Caller = ANONYMOUS
    subject_submission: str = ""
    subject_key: str = ""
    subject_endpoint: str = ""
    serials: itertools.count[int] = field(default_factory=itertools.count)

    async def make_caller(self, name: str) -> Caller:
        """A new caller of kind `name`, with its own participant."""
        if name == "anonymous":
            return ANONYMOUS
        if name == "operator":
            return await create_person(self.app, name, roles=["OPERATOR"])
        if name == "merchant_key":
            owner = await create_person(self.app, name, roles=["MERCHANT"], kind="BUSINESS")
            _, secret = await create_key(self.client, owner, ["PAYMENTS_READ"])
            return Caller(name, secret, owner.id, owner.email)
        roles, kind, grant = PEOPLE[name]
        person = await create_person(self.app, name, roles=roles, kind=kind)
        if grant is not None:
            person = await granted(self.app, self.client, self.callers["operator"], person, grant)
        return person

    async def pending_submission(self) -> str:
        person = await create_person(self.app, "applicant", roles=["BORROWER"])
        return await submit_kyc(self.client, person, next(self.serials))

    async def key_of(self, caller: Caller) -> str:
        """A live key `caller` owns (anyone's id for the anonymous caller)."""
        return missing_id("ApiKey") if caller.id is None else await insert_api_key(self.app, caller)

    async def endpoint_of(self, caller: Caller) -> str:
        """An endpoint `caller` owns (a missing one's id for the anonymous caller)."""
        if caller.id is None:
            return missing_id("WebhookEndpoint")
        return await insert_webhook_endpoint(self.app, caller)


Variables = Callable[[Matrix, Caller], Any]


@dataclass(frozen=True)
class Operation:
    name: str
    document: str
    expected: dict[str, str]
    variables: Variables = lambda m, c: {}
    fresh_caller: bool = False  # the call changes the caller (password, session, KYC status)

    @property
    def field(self) -> str:
        [operation] = parse(self.document).definitions
        assert isinstance(operation, OperationDefinitionNode)
        selection = operation.selection_set.selections[0]
        assert isinstance(selection, FieldNode)
        return selection.name.value


def own_or_subject(m: Matrix, c: Caller) -> dict[str, str | None]:
    return {"id": c.id or m.subject.id}


QUOTE = {
    "principal": "10000.00",
    "currency": "CNY",
    "annualRate": "0.0435",
    "termMonths": 12,
    "method": "EQUAL_INSTALLMENT",
}
QUOTE_LOAN = "query Q($input: LoanQuoteInput!) { quoteLoan(input: $input) { apr } }"
NODE = "query Node($id: ID!) { node(id: $id) { id } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"
PARTICIPANT = "query P($id: ID!) { participant(id: $id) { id } }"
REGISTER = """mutation R($input: RegisterInput!) {
  register(input: $input) { participant { id } errors { code } } }"""
LOG_IN = """mutation L($input: LogInInput!) {
  logIn(input: $input) { accessToken errors { code } } }"""
REFRESH = """mutation R($t: String!) {
  refreshSession(refreshToken: $t) { accessToken errors { code } } }"""
LOG_OUT = "mutation { logOut { ok errors { code } } }"
CHANGE_PASSWORD = """mutation C($input: ChangePasswordInput!) {
  changePassword(input: $input) { accessToken errors { code } } }"""
UPDATE_PROFILE = """mutation {
  updateProfile(displayName: "Renamed") { participant { id } errors { code } } }"""
GRANT = """mutation Grant($id: ID!, $role: Role!) {
  grantRole(participantId: $id, role: $role) { participant { id } errors { code } } }"""
SUBMIT_KYC = """mutation S($input: SubmitKycInput!) {
  submitKyc(input: $input) { submission { id } errors { code } } }"""
DECIDE = """mutation Decide($id: ID!) {
  decideKyc(input: {submissionId: $id, decision: VERIFY}) { submission { id } errors { code } } }"""
REVEAL = """mutation R($id: ID!) {
  revealDocumentNumber(submissionId: $id, reason: "fraud review ticket 4711") {
    documentNumber errors { code } } }"""
CREATE_KEY = """mutation {
  createApiKey(input: {name: "matrix", scopes: [PROFILE_READ]}) { secret errors { code } } }"""
ROTATE = "mutation R($id: ID!) { rotateApiKey(id: $id) { apiKey { id } errors { code } } }"
REVOKE = "mutation R($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code } } }"
RAIL_MOVE = """mutation M($input: RailInput!, $key: String!) {{
  {op}(input: $input, idempotencyKey: $key) {{ status errors {{ code }} }} }}"""
TRANSFER = """mutation T($input: TransferInput!, $key: String!) {
  transfer(input: $input, idempotencyKey: $key) { status errors { code } } }"""
ADJUST = """mutation A($input: AdjustWalletInput!, $key: String!) {
  adjustWallet(input: $input, idempotencyKey: $key) { journalId errors { code } } }"""
CREATE_HOLD = """mutation H($input: CreateHoldInput!, $key: String!) {
  createHold(input: $input, idempotencyKey: $key) { holdId errors { code } } }"""
RESOLVE_HOLD = """mutation R($id: ID!, $key: String!) {{
  {op}(holdId: $id, idempotencyKey: $key) {{ status errors {{ code }} }} }}"""
PAYMENT_INTENT = "query P($id: ID!) { paymentIntent(id: $id) { id } }"
PAYMENT_REFUNDS = "query P($id: ID!) { paymentRefunds(paymentId: $id) { id } }"
FEE_PLAN = """query F($id: ID) {
  merchantFeePlan(currency: "CNY", merchantId: $id) { percentBps } }"""
CREATE_INTENT = """mutation C($input: CreatePaymentIntentInput!, $key: String!) {
  createPaymentIntent(input: $input, idempotencyKey: $key) {
    paymentIntent { id } errors { code } } }"""
INTENT_KEYED = """mutation M($id: ID!, $key: String!) {{
  {op}(paymentId: $id, idempotencyKey: $key) {{ paymentIntent {{ id }} errors {{ code }} }} }}"""
SHIP = """mutation S($id: ID!) {
  confirmShipment(paymentId: $id) { paymentIntent { id } errors { code } } }"""
REFUND = """mutation R($id: ID!, $key: String!) {
  refundPayment(input: {paymentId: $id}, idempotencyKey: $key) {
    refund { id } errors { code } } }"""
OPEN_DISPUTE = """mutation D($id: ID!) {
  openDispute(paymentId: $id, reason: "the parcel never arrived") {
    dispute { id } errors { code } } }"""
RESOLVE_DISPUTE = """mutation D($id: ID!, $key: String!) {
  resolveDispute(input: {disputeId: $id, resolution: REFUND}, idempotencyKey: $key) {
    dispute { id } errors { code } } }"""
CREATE_SPLIT_RULE = """mutation S($input: CreateSplitRuleInput!) {
  createSplitRule(input: $input) { splitRule { id } errors { code } } }"""
ARCHIVE_SPLIT_RULE = """mutation A($id: ID!) {
  archiveSplitRule(id: $id) { splitRule { id } errors { code } } }"""
SET_FEE_PLAN = """mutation F($input: SetMerchantFeePlanInput!) {
  setMerchantFeePlan(input: $input) { feePlan { percentBps } errors { code } } }"""
PAY_IN_INSTALLMENTS = """mutation B($id: ID!, $key: String!) {
  payInInstallments(paymentId: $id, installments: 3, idempotencyKey: $key) {
    plan { id } errors { code } } }"""
REPAY_INSTALLMENTS = """mutation B($id: ID!, $key: String!) {
  repayInstallments(planId: $id, amount: "1.00", currency: "CNY", idempotencyKey: $key) {
    plan { id } errors { code } } }"""
CAMPAIGN = "query C($id: ID!) { campaign(id: $id) { id } }"
CAMPAIGN_PLEDGES = "query C($id: ID!) { campaignPledges(campaignId: $id) { nodes { id } } }"
CAP_TABLE = "query C($id: ID!) { capTable(campaignId: $id) { shares } }"
CREATE_CAMPAIGN = """mutation C($input: CreateCampaignInput!) {
  createCampaign(input: $input) { campaign { id } errors { code } } }"""
CAMPAIGN_STEP = """mutation S($id: ID!) {{
  {op}(campaignId: $id) {{ campaign {{ id }} errors {{ code }} }} }}"""
REVIEW_CAMPAIGN = """mutation R($id: ID!) {
  reviewCampaign(input: {campaignId: $id, approve: true}) { campaign { id } errors { code } } }"""
CANCEL_CAMPAIGN = """mutation C($id: ID!) {
  cancelCampaign(campaignId: $id, reason: "matrix") { campaign { id } errors { code } } }"""
AMEND_CAMPAIGN = """mutation A($id: ID!) {
  amendCampaign(input: {campaignId: $id, description: "d", change: "c"}) {
    campaign { id } errors { code } } }"""
PLEDGE = """mutation P($id: ID!, $key: String!) {
  pledge(input: {campaignId: $id, amount: "1.00", currency: "CNY"}, idempotencyKey: $key) {
    pledge { id } errors { code } } }"""
PLEDGE_KEYED = """mutation M($id: ID!, $key: String!) {{
  {op}(pledgeId: $id, idempotencyKey: $key) {{ pledge {{ id }} errors {{ code }} }} }}"""
REDUCE_PLEDGE = """mutation R($id: ID!, $key: String!) {
  reducePledge(input: {pledgeId: $id, amount: "1.00", currency: "CNY"}, idempotencyKey: $key) {
    pledge { id } errors { code } } }"""
REFUND_PLEDGE = """mutation R($id: ID!, $key: String!) {
  refundPledge(input: {pledgeId: $id}, idempotencyKey: $key) { pledge { id } errors { code } } }"""
PLEDGE_STEP = """mutation S($id: ID!) {{
  {op}(pledgeId: $id) {{ pledge {{ id }} errors {{ code }} }} }}"""
INSURANCE_PRODUCT = "query P($id: ID!) { insuranceProduct(id: $id) { id } }"
INSURANCE_QUOTE = """query Q($id: ID!) {
  insuranceQuote(productId: $id, insuredAmount: "1.00", currency: "CNY") { premium { amount } } }"""
POLICY = "query P($id: ID!) { policy(id: $id) { id } }"
CLAIM = "query C($id: ID!) { claim(id: $id) { id } }"
PUBLISH_INSURANCE = """mutation P($code: String!) {
  publishInsuranceProduct(input: {code: $code, name: "m", kind: TERM, currency: "CNY",
    premium: {basis: FIXED, amount: "1.00"}}) { product { id } errors { code } } }"""
WITHDRAW_INSURANCE = """mutation W($id: ID!) {
  withdrawInsuranceProduct(productId: $id) { product { id } errors { code } } }"""
BUY_POLICY = """mutation B($id: ID!, $key: String!) {
  buyPolicy(input: {productId: $id, insuredAmount: "1.00", currency: "CNY"},
    idempotencyKey: $key) { policy { id } errors { code } } }"""
CANCEL_POLICY = """mutation C($id: ID!, $key: String!) {
  cancelPolicy(policyId: $id, idempotencyKey: $key) { policy { id } errors { code } } }"""
FILE_CLAIM = """mutation F($id: ID!, $key: String!) {
  fileClaim(input: {policyId: $id, loss: "1.00", currency: "CNY"}, idempotencyKey: $key) {
    claim { id } errors { code } } }"""
DECIDE_CLAIM = """mutation D($id: ID!, $key: String!) {
  decideClaim(input: {claimId: $id, decision: APPROVE}, idempotencyKey: $key) {
    claim { id } errors { code } } }"""
INSURERS = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=OK)
FUND = "query F($id: ID!) { fund(id: $id) { id } }"
FUND_DAYS = "query F($id: ID!) { fundDays(fundId: $id) { day } }"
CREATE_FUND = """mutation C($input: CreateFundInput!) {
  createFund(input: $input) { fund { id } errors { code } } }"""
PUBLISH_FUND_INCOME = """mutation P($id: ID!) {
  publishFundIncome(input: {fundId: $id, day: "2026-01-01", incomePer10k: "0.6"}) {
    fundDay { day } errors { code } } }"""
FUND_MONEY = """mutation M($id: ID!, $key: String!) {{
  {op}(input: {{fundId: $id, amount: "1.00", currency: "CNY"}}, idempotencyKey: $key) {{
    errors {{ code }} }} }}"""
CREATE_PLACEMENT = """mutation A($input: CreatePlacementInput!, $key: String!) {
  createPlacement(input: $input, idempotencyKey: $key) { errors { code } } }"""
PLACEMENT_STEP = """mutation S($id: ID!, $key: String!) {{
  {op}(input: {{placementId: $id}}, idempotencyKey: $key) {{ errors {{ code }} }} }}"""
CLICK_PROMOTION = """mutation K($id: ID!) {
  clickPromotion(input: {placementId: $id}) { errors { code } } }"""
PUBLISH_PLAN = """mutation P($input: PublishLendingPlanInput!) {
  publishLendingPlan(input: $input) { plan { id } errors { code } } }"""
PLAN_TERMS = {"name": "matrix plan", "currency": "CNY", "termMonths": 3, "targetRate": "0.07",
              "capacity": "1000.00", "minimum": "1.00", "opensAt": "2020-01-01T00:00:00Z",
              "closesAt": "2099-01-01T00:00:00Z", "grades": ["A"], "maxLoanShare": "0.5",
              "feeKind": "EXCESS"}  # fmt: skip
JOIN_PLAN = """mutation J($id: ID!, $key: String!) {
  joinLendingPlan(input: {planId: $id, amount: "1.00", currency: "CNY"}, idempotencyKey: $key) {
    stake { id } errors { code } } }"""
LEAVE_PLAN = """mutation L($id: ID!, $key: String!) {
  leaveLendingPlan(input: {planId: $id}, idempotencyKey: $key) { stake { id } errors { code } } }"""
# Merchants act on payments; the matrix's merchant key may read them, not write.
MERCHANTS = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, merchant=OK, merchant_key=OK)
MERCHANT_WRITERS = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, merchant=OK)
# Someone else's (or no) payment, by id: not found for whoever may act at all.
MERCHANT_ON_MISSING = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, merchant=NOT_FOUND)
SHOPPER_ON_MISSING = expect(NOT_FOUND, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)
# Money needs a person; a key without wallet:read (the matrix's merchant key) is refused.
WALLET_OWNERS = expect(OK, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)
# Webhooks are every participant's own (people, and keys with the webhooks scopes).
WEBHOOK_OWNERS = expect(OK, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)
WEBHOOK_MISSING = expect(NOT_FOUND, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)
CREATE_ENDPOINT = """mutation {
  createWebhookEndpoint(input: {url: "https://hooks.example.com/matrix"}) {
    secret errors { code } } }"""
UPDATE_ENDPOINT = """mutation U($id: ID!) {
  updateWebhookEndpoint(input: {id: $id, enabled: false}) { endpoint { id } errors { code } } }"""
ROTATE_WEBHOOK_SECRET = """mutation R($id: ID!) {
  rotateWebhookSecret(id: $id) { secret errors { code } } }"""
DELETE_ENDPOINT = """mutation D($id: ID!) {
  deleteWebhookEndpoint(id: $id) { deletedId errors { code } } }"""
REDELIVER = """mutation R($id: ID!) {
  redeliverWebhook(deliveryId: $id) { delivery { id } errors { code } } }"""
# Nobody in the matrix passed KYC, so nobody may send money out yet.
UNVERIFIED_SENDERS = expect(KYC_REQUIRED, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)


# Lending: banks act through their PARTNER_BANK role, investors through INVESTOR (every
# business in the matrix signed up as an investor first).
BANKS = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, partner_bank=OK)
INVESTORS = expect(
    OK,
    anonymous=UNAUTHENTICATED,
    borrower=FORBIDDEN,
    merchant=FORBIDDEN,
    merchant_key=FORBIDDEN,
    operator=FORBIDDEN,
)
CREATE_OFFER = """mutation O($input: FundingOfferInput!, $key: String!) {
  createFundingOffer(input: $input, idempotencyKey: $key) { offer { id } errors { code } } }"""
UPDATE_OFFER = """mutation U($id: ID!, $input: FundingOfferInput!) {
  updateFundingOffer(id: $id, version: 1, input: $input) { offer { id } errors { code } } }"""
WITHDRAW_OFFER = """mutation W($id: ID!) {
  withdrawFundingOffer(id: $id) { offer { id } errors { code } } }"""
CREATE_RULE = """mutation C($input: AutoInvestRuleInput!) {
  createAutoInvestRule(input: $input) { rule { id } errors { code } } }"""
UPDATE_RULE = """mutation U($id: ID!, $input: AutoInvestRuleInput!) {
  updateAutoInvestRule(id: $id, input: $input) { rule { id } errors { code } } }"""
DELETE_RULE = """mutation D($id: ID!) { deleteAutoInvestRule(id: $id) { errors { code } } }"""
PRODUCT = {
    "name": "Matrix loan",
    "currency": "CNY",
    "minAmount": "1000.00",
    "maxAmount": "50000.00",
    "minTermMonths": 3,
    "maxTermMonths": 24,
    "repaymentMethod": "EQUAL_INSTALLMENT",
    "minRate": "0.05",
    "maxRate": "0.24",
}
CREATE_PRODUCT = """mutation P($input: LoanProductInput!) {
  createLoanProduct(input: $input) { product { id } errors { code } } }"""
UPDATE_PRODUCT = """mutation U($id: ID!, $input: LoanProductInput!) {
  updateLoanProduct(id: $id, input: $input) { product { id } errors { code } } }"""
PUBLISH_COVER = """mutation P($key: String!) { publishCoverOffer(idempotencyKey: $key,
  input: {kind: INSURANCE, currency: "CNY", share: "0.5"}) { offer { id } errors { code } } }"""
WITHDRAW_COVER = """mutation W($id: ID!) { withdrawCoverOffer(id: $id) {
  offer { id } errors { code } } }"""
FUND_GUARANTEES = """mutation F($key: String!) { fundGuaranteeFund(idempotencyKey: $key,
  input: {amount: "1.00", currency: "CNY"}) { guaranteeFund { balance { amount } }
  errors { code } } }"""
SET_BOOK = """mutation { setPlatformBook(input: {currency: "EUR", capacity: "1000.00"}) {
  book { available { amount } } errors { code } } }"""
APPLY = """mutation A($input: ApplyForLoanInput!) {
  applyForLoan(input: $input) { application { id } errors { code } } }"""
ACCEPT = """mutation A($id: ID!, $key: String!) {
  acceptLoanOffer(applicationId: $id, idempotencyKey: $key) { loan { id } errors { code } } }"""
APPLICATION = "query A($id: ID!) { loanApplication(id: $id) { id } }"
DECIDE_REVIEW = """mutation D($id: ID!) {
  decideLoanReview(input: {applicationId: $id, decision: APPROVE, reason: "matrix"}) {
    application { id } errors { code } } }"""
PAYOFF = "query P($id: ID!) { loanPayoffQuote(loanId: $id) { total { amount } } }"
REPAY = """mutation R($input: RepayLoanInput!, $key: String!) {
  repayLoan(input: $input, idempotencyKey: $key) { repaymentId errors { code } } }"""
LIST_NOTE = """mutation L($input: ListNoteForSaleInput!) {
  listNoteForSale(input: $input) { sale { id } errors { code } } }"""
BUY_LISTED = """mutation B($id: ID!, $key: String!) {
  buyListedNote(saleId: $id, idempotencyKey: $key) { noteId errors { code } } }"""
CANCEL_SALE = """mutation C($id: ID!) {
  cancelNoteSale(saleId: $id) { sale { id } errors { code } } }"""
PEOPLE_FIND_NOTHING = expect(NOT_FOUND, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)
SCF_RECEIVABLE = "query R($id: ID!) { receivable(id: $id) { id } }"
SCF_CERTIFICATE = "query C($id: ID!) { certificate(id: $id) { id } }"
SCF_QUOTE = "query Q($id: ID!) { quoteEarlyPayment(certificateId: $id) { net { amount } } }"
REGISTER_INVOICE = """mutation R($input: RegisterInvoiceInput!, $key: String!) {
  registerInvoice(input: $input, idempotencyKey: $key) { receivable { id } errors { code } } }"""
CREDIT_NOTE = """mutation C($id: ID!) {
  applyCreditNote(input: {receivableId: $id, amount: "1.00", currency: "CNY", reason: "m"}) {
    receivable { id } errors { code } } }"""
INVOICE_STEP = """mutation S($id: ID!) {{
  {op}(receivableId: $id) {{ receivable {{ id }} errors {{ code }} }} }}"""
REJECT_INVOICE = """mutation R($id: ID!) {
  rejectInvoice(receivableId: $id, reason: "matrix") { receivable { id } errors { code } } }"""
SPLIT_CERTIFICATE = """mutation S($id: ID!, $to: ID!, $key: String!) {
  splitCertificate(input: {certificateId: $id, currency: "CNY",
                           parts: [{recipientId: $to, amount: "1.00"}]},
                   idempotencyKey: $key) { certificate { id } errors { code } } }"""
CERTIFICATE_KEYED = """mutation M($id: ID!, $key: String!) {{
  {op}(certificateId: $id, idempotencyKey: $key) {{ certificate {{ id }} errors {{ code }} }} }}"""
PAY_RECEIVABLE = """mutation P($id: ID!, $key: String!) {
  payReceivable(receivableId: $id, idempotencyKey: $key) { receivable { id } errors { code } } }"""
SET_PROGRAMME = """mutation P($id: ID!) {
  setSupplyChainProgramme(input: {coreEnterpriseId: $id, withRecourse: true}) {
    programme { withRecourse } errors { code } } }"""
SET_PLATFORM_BOOK = """mutation B($id: ID!) {
  setSupplyChainPlatformBook(input: {coreEnterpriseId: $id, allowed: true, currency: "CNY",
    discountRate: "0.04", limit: "1000.00"}) { platformBook { allowed } errors { code } } }"""
CORE = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, core_enterprise=OK)
CORE_ON_MISSING = expect(FORBIDDEN, anonymous=UNAUTHENTICATED, core_enterprise=NOT_FOUND)


def product_variables(m: Matrix, c: Caller) -> dict[str, object]:
    return {"input": {**PRODUCT, "code": f"M{next(m.serials)}"}}


BUY_NOTE = """mutation B($input: BuyNoteInput!, $key: String!) {
  buyNote(input: $input, idempotencyKey: $key) { noteId errors { code } } }"""
OFFER_TERMS = {
    "currency": "CNY",
    "capacity": "100000.00",
    "rateFloor": "0.06",
    "grades": ["A"],
    "minTermMonths": 3,
    "maxTermMonths": 12,
    "minAmount": "100.00",
    "maxAmount": "1000.00",
}
RULE_TERMS = {
    "currency": "CNY",
    "grades": ["A", "B"],
    "minTermMonths": 3,
    "maxTermMonths": 12,
    "minRate": "0.05",
    "maxPerLoan": "100.00",
    "dailyBudget": "1000.00",
}


def offer_variables(m: Matrix, c: Caller) -> dict[str, object]:
    return {"input": OFFER_TERMS, "key": f"matrix-{next(m.serials)}"}


def serial_key(m: Matrix, c: Caller) -> dict[str, object]:
    return {"key": f"matrix-{next(m.serials)}"}


def missing_with(type_name: str, terms: dict[str, object]) -> Variables:
    return lambda m, c: {"id": missing_id(type_name), "input": terms}


def subject(m: Matrix, c: Caller) -> dict[str, str | None]:
    return {"id": m.subject.id}


def new_sign_up(m: Matrix, c: Caller) -> dict[str, object]:
    email = unique_email()
    return {
        "input": {
            "kind": "PERSON",
            "displayName": "New",
            "email": email,
            "password": PASSWORD,
            "roles": ["BORROWER"],
        }
    }


def new_document(m: Matrix, c: Caller) -> dict[str, object]:
    number = resident_id(next(m.serials))
    return {"input": {"documentType": "RESIDENT_ID", "legalName": "张三", "documentNumber": number}}


def new_password(m: Matrix, c: Caller) -> dict[str, object]:
    return {"input": {"currentPassword": PASSWORD, "newPassword": "another horse battery"}}


def missing(type_name: str) -> Variables:
    return lambda m, c: {"id": missing_id(type_name)}


OPERATIONS = [
    # Queries
    Operation("platform", "{ platform { name version currency } }", PUBLIC),
    Operation("quoteLoan", QUOTE_LOAN, PUBLIC, lambda m, c: {"input": QUOTE}),
    Operation("me", "{ me { id email } }", YOURS),
    Operation("node(own participant)", NODE, YOURS_BY_ID, own_or_subject),
    Operation("node(another participant)", NODE, OPERATOR_SEES, subject),
    Operation("node(another's KYC submission)", NODE, OPERATOR_SEES,
              lambda m, c: {"id": m.subject_submission}),
    # API keys are their owner's alone, the operator's neither.
    Operation("node(another's API key)", NODE, expect(NULL), lambda m, c: {"id": m.subject_key}),
    # A list whatever is asked: nulls for what the caller may not see (test_idor checks which).
    Operation("nodes(another's objects)", NODES, PUBLIC,
              lambda m, c: {"ids": [m.subject.id, m.subject_submission, m.subject_key]}),
    Operation("participant(own)", PARTICIPANT, YOURS_BY_ID, own_or_subject),
    Operation("participant(another)", PARTICIPANT, OPERATOR_SEES, subject),
    Operation("participants", "{ participants { nodes { id } } }", OPERATORS_ONLY),
    Operation("kycSubmissions", "{ kycSubmissions { id legalName } }",
              expect(OK, anonymous=UNAUTHENTICATED,
                     merchant_key=FORBIDDEN)),
    Operation("apiKeys", "{ apiKeys { id } }", PEOPLE_ONLY),
    Operation("auditLog", "{ auditLog { nodes { action } } }", OPERATORS_ONLY),
    Operation("wallets", "{ wallets { currency } }", WALLET_OWNERS),
    Operation("wallet", '{ wallet(currency: "CNY") { currency } }',
              expect(NULL, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)),
    Operation("walletStatement", '{ walletStatement(currency: "CNY") { nodes { id } } }',
              WALLET_OWNERS),
    # Mutations
    Operation("register", REGISTER, PUBLIC, new_sign_up),
    Operation("logIn", LOG_IN, PUBLIC,
              lambda m, c: {"input": {"login": m.subject.email, "password": PASSWORD}}),
    Operation("refreshSession", REFRESH, PUBLIC, lambda m, c: _refresh_variables(m)),
    Operation("logOut", LOG_OUT, PEOPLE_ONLY, fresh_caller=True),
    Operation("changePassword", CHANGE_PASSWORD, PEOPLE_ONLY, new_password, fresh_caller=True),
    Operation("updateProfile", UPDATE_PROFILE,
              expect(OK, anonymous=UNAUTHENTICATED,
                     merchant_key=FORBIDDEN)),
    Operation("grantRole(INSURER)", GRANT, OPERATORS_ONLY,
              lambda m, c: {"id": m.subject.id, "role": "INSURER"}),
    Operation("grantRole(OPERATOR)", GRANT,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=INVALID_INPUT),
              lambda m, c: {"id": m.subject.id, "role": "OPERATOR"}),
    Operation("submitKyc", SUBMIT_KYC, PEOPLE_ONLY, new_document, fresh_caller=True),
    Operation("decideKyc(pending)", DECIDE, OPERATORS_ONLY, lambda m, c: _pending_variables(m)),
    Operation("decideKyc(missing)", DECIDE,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              missing("KycSubmission")),
    Operation("revealDocumentNumber", REVEAL, OPERATORS_ONLY,
              lambda m, c: {"id": m.subject_submission}),
    # profile:read is a scope of every machine-client role, and of no other.
    Operation("createApiKey", CREATE_KEY,
              expect(INVALID_INPUT, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN,
                     merchant=OK, partner_bank=OK, insurer=OK)),
    Operation("rotateApiKey(own)", ROTATE, PEOPLE_ONLY, lambda m, c: _own_key_variables(m, c)),
    Operation("revokeApiKey(own)", REVOKE, PEOPLE_ONLY, lambda m, c: _own_key_variables(m, c)),
    Operation("rotateApiKey(missing)", ROTATE,
              expect(NOT_FOUND, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN),
              missing("ApiKey")),
    Operation("revokeApiKey(missing)", REVOKE,
              expect(NOT_FOUND, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN),
              missing("ApiKey")),
    Operation("deposit", RAIL_MOVE.format(op="deposit"), WALLET_OWNERS, lambda m, c: money(m)),
    Operation("withdraw", RAIL_MOVE.format(op="withdraw"), UNVERIFIED_SENDERS,
              lambda m, c: money(m)),
    Operation("transfer", TRANSFER, UNVERIFIED_SENDERS,
              lambda m, c: money(m, recipientId=m.subject.id)),
    Operation("adjustWallet", ADJUST, OPERATORS_ONLY,
              lambda m, c: money(m, participantId=m.subject.id, reason="matrix correction")),
    # A new participant's wallet is empty: even the operator cannot hold what is not there.
    Operation("createHold", CREATE_HOLD,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator="INSUFFICIENT_FUNDS"),
              lambda m, c: _hold_on_empty_wallet(m)),
    Operation("captureHold(missing)", RESOLVE_HOLD.format(op="captureHold"),
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              lambda m, c: {"id": missing_id("Hold"), "key": f"matrix-{next(m.serials)}"}),
    Operation("releaseHold(missing)", RESOLVE_HOLD.format(op="releaseHold"),
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              lambda m, c: {"id": missing_id("Hold"), "key": f"matrix-{next(m.serials)}"}),
    # Lending
    Operation("myFundingOffers", "{ myFundingOffers { id } }", BANKS),
    Operation("myAutoInvestRules", "{ myAutoInvestRules { id } }", INVESTORS),
    Operation("listings", "{ listings { nodes { id } } }", expect(OK, anonymous=UNAUTHENTICATED)),
    Operation("loanProducts", "{ loanProducts { id } }", PUBLIC),
    Operation("createLoanProduct", CREATE_PRODUCT, OPERATORS_ONLY, product_variables),
    Operation("updateLoanProduct(missing)", UPDATE_PRODUCT,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              lambda m, c: {"id": missing_id("LoanProduct"), **product_variables(m, c)}),
    # Nobody in the matrix passed KYC: the borrower is stopped there.
    Operation("applyForLoan", APPLY,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, borrower=KYC_REQUIRED),
              lambda m, c: {"input": {"productId": missing_id("LoanProduct"),
                                      "amount": "1000.00", "currency": "CNY", "termMonths": 6,
                                      "purpose": "matrix", "declaredMonthlyIncome": "1.00"}}),
    Operation("acceptLoanOffer(missing)", ACCEPT, PEOPLE_FIND_NOTHING,
              lambda m, c: {"id": missing_id("LoanApplication"), "key": f"m{next(m.serials)}"}),
    Operation("loanApplication(missing)", APPLICATION, expect(NULL),
              missing("LoanApplication")),
    Operation("loanPayoffQuote(missing)", PAYOFF, expect(NULL), missing("Loan")),
    Operation("repayLoan(missing)", REPAY, PEOPLE_FIND_NOTHING,
              lambda m, c: money(m, loanId=missing_id("Loan"))),
    Operation("myLoans", "{ myLoans { id } }", PEOPLE_ONLY),
    Operation("portfolio", "{ portfolio { outstandingPrincipal { amount } } }", PEOPLE_ONLY),
    Operation("fundedLoans", "{ fundedLoans { loan { id } } }", BANKS),
    Operation("repaymentsReceived", "{ repaymentsReceived { kind } }", PEOPLE_ONLY),
    Operation("portfolioQuality", "{ portfolioQuality { bucket } }", OPERATORS_ONLY),
    Operation("bookQualityByGrade", "{ bookQualityByGrade { grade } }", OPERATORS_ONLY),
    Operation("dailyVolume", '{ dailyVolume(currency: "CNY") { day } }', OPERATORS_ONLY),
    Operation("scorecardVersions", "{ scorecardVersions { version } }", OPERATORS_ONLY),
    # Never set in USD (the row below sets EUR): the operator reads null.
    Operation("platformBook", '{ platformBook(currency: "USD") { capacity { amount } } }',
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NULL)),
    Operation("setPlatformBook", SET_BOOK, OPERATORS_ONLY),
    Operation("coverOffers", "{ coverOffers { id } }",
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=OK, operator=OK)),
    Operation("publishCoverOffer", PUBLISH_COVER,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=OK), serial_key),
    Operation("withdrawCoverOffer(missing)", WITHDRAW_COVER,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=NOT_FOUND),
              missing("CoverOffer")),
    Operation("guaranteeFund", '{ guaranteeFund(currency: "CNY") { balance { amount } } }',
              OPERATORS_ONLY),
    Operation("fundGuaranteeFund", FUND_GUARANTEES, OPERATORS_ONLY, serial_key),
    Operation("loanApplications", "{ loanApplications { nodes { id } } }", OPERATORS_ONLY),
    Operation("decideLoanReview(missing)", DECIDE_REVIEW,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              missing("LoanApplication")),
    Operation("notesForSale", "{ notesForSale { nodes { id } } }",
              expect(OK, anonymous=UNAUTHENTICATED)),
    Operation("listNoteForSale(missing)", LIST_NOTE, PEOPLE_FIND_NOTHING,
              lambda m, c: {"input": {"noteId": missing_id("LoanNote"), "price": "1.00",
                                      "currency": "CNY"}}),
    Operation("cancelNoteSale(missing)", CANCEL_SALE, PEOPLE_FIND_NOTHING,
              lambda m, c: {"id": missing_id("NoteSale")}),
    Operation("buyListedNote(missing)", BUY_LISTED,
              {**INVESTORS, **{n: NOT_FOUND for n, o in INVESTORS.items() if o == OK}},
              lambda m, c: {"id": missing_id("NoteSale"), "key": f"m{next(m.serials)}"}),
    Operation("buyNote(missing loan)", BUY_NOTE,
              {**INVESTORS, **{n: NOT_FOUND for n, o in INVESTORS.items() if o == OK}},
              lambda m, c: money(m, loanId=missing_id("Loan"))),
    Operation("createFundingOffer", CREATE_OFFER, BANKS, offer_variables),
    Operation("updateFundingOffer(missing)", UPDATE_OFFER,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, partner_bank=NOT_FOUND),
              missing_with("FundingOffer", OFFER_TERMS)),
    Operation("withdrawFundingOffer(missing)", WITHDRAW_OFFER,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, partner_bank=NOT_FOUND),
              missing("FundingOffer")),
    Operation("createAutoInvestRule", CREATE_RULE, INVESTORS,
              lambda m, c: {"input": RULE_TERMS}),
    Operation("updateAutoInvestRule(missing)", UPDATE_RULE,
              {**INVESTORS, **{n: NOT_FOUND for n, o in INVESTORS.items() if o == OK}},
              missing_with("AutoInvestRule", RULE_TERMS)),
    Operation("deleteAutoInvestRule(missing)", DELETE_RULE,
              {**INVESTORS, **{n: NOT_FOUND for n, o in INVESTORS.items() if o == OK}},
              missing("AutoInvestRule")),
    # Webhooks: the operator has endpoints of its own, and no view of anyone else's.
    Operation("webhookEndpoints", "{ webhookEndpoints { id } }", WEBHOOK_OWNERS),
    Operation("webhookDeliveries", "{ webhookDeliveries { nodes { id } } }", WEBHOOK_OWNERS),
    Operation("createWebhookEndpoint", CREATE_ENDPOINT, WEBHOOK_OWNERS),
    Operation("updateWebhookEndpoint(own)", UPDATE_ENDPOINT, WEBHOOK_OWNERS,
              lambda m, c: _own_endpoint_variables(m, c)),
    Operation("rotateWebhookSecret(own)", ROTATE_WEBHOOK_SECRET, WEBHOOK_OWNERS,
              lambda m, c: _own_endpoint_variables(m, c)),
    Operation("deleteWebhookEndpoint(own)", DELETE_ENDPOINT, WEBHOOK_OWNERS,
              lambda m, c: _own_endpoint_variables(m, c)),
    Operation("updateWebhookEndpoint(another's)", UPDATE_ENDPOINT, WEBHOOK_MISSING,
              lambda m, c: {"id": m.subject_endpoint}),
    Operation("rotateWebhookSecret(missing)", ROTATE_WEBHOOK_SECRET, WEBHOOK_MISSING,
              missing("WebhookEndpoint")),
    Operation("deleteWebhookEndpoint(another's)", DELETE_ENDPOINT, WEBHOOK_MISSING,
              lambda m, c: {"id": m.subject_endpoint}),
    Operation("redeliverWebhook(missing)", REDELIVER, WEBHOOK_MISSING,
              missing("WebhookDelivery")),
    Operation("node(another's webhook endpoint)", NODE, expect(NULL),
              lambda m, c: {"id": m.subject_endpoint}),
    # Payments
    Operation("paymentIntent(missing)", PAYMENT_INTENT, expect(NULL), missing("PaymentIntent")),
    Operation("paymentIntents", "{ paymentIntents { id } }", MERCHANTS),
    Operation("paymentRefunds(missing)", PAYMENT_REFUNDS, PUBLIC, missing("PaymentIntent")),
    Operation("splitRules", "{ splitRules { id } }", MERCHANTS),
    Operation("merchantFeePlan(own)", FEE_PLAN, MERCHANTS, lambda m, c: {"id": None}),
    Operation("merchantFeePlan(another)", FEE_PLAN,
              expect(NOT_FOUND, anonymous=UNAUTHENTICATED, operator=OK), subject),
    Operation("paymentDisputes", "{ paymentDisputes { id } }", OPERATORS_ONLY),
    Operation("createPaymentIntent", CREATE_INTENT, MERCHANT_WRITERS,
              lambda m, c: money(m, orderReference=f"order-{next(m.serials)}")),
    Operation("payIntent(missing)", INTENT_KEYED.format(op="payIntent"), SHOPPER_ON_MISSING,
              lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("confirmReceipt(missing)", INTENT_KEYED.format(op="confirmReceipt"),
              SHOPPER_ON_MISSING, lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("extendEscrow(missing)", INTENT_KEYED.format(op="extendEscrow"),
              SHOPPER_ON_MISSING, lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("cancelPaymentIntent(missing)", INTENT_KEYED.format(op="cancelPaymentIntent"),
              MERCHANT_ON_MISSING, lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("cancelReturnShippingCover(missing)",
              INTENT_KEYED.format(op="cancelReturnShippingCover"), MERCHANT_ON_MISSING,
              lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("confirmShipment(missing)", SHIP, MERCHANT_ON_MISSING, missing("PaymentIntent")),
    Operation("refundPayment(missing)", REFUND, MERCHANT_ON_MISSING,
              lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("openDispute(missing)", OPEN_DISPUTE, SHOPPER_ON_MISSING, missing("PaymentIntent")),
    Operation("resolveDispute(missing)", RESOLVE_DISPUTE,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              lambda m, c: keyed_missing(m, "Dispute")),
    Operation("createSplitRule", CREATE_SPLIT_RULE, MERCHANT_WRITERS, lambda m, c: _own_rule(c)),
    Operation("archiveSplitRule(missing)", ARCHIVE_SPLIT_RULE, MERCHANT_ON_MISSING,
              missing("SplitRule")),
    # Settlement reads need payouts:read, which the matrix's merchant key lacks.
    Operation("settlementBatches", "{ settlementBatches { id } }", MERCHANT_WRITERS),
    Operation("payouts", "{ payouts { id } }", MERCHANT_WRITERS),
    Operation("settlementReportCsv(missing)",
              "query C($id: ID!) { settlementReportCsv(batchId: $id) }", expect(NULL),
              missing("SettlementBatch")),
    # BNPL: a person's own plans and credit; nobody in the matrix passed KYC.
    Operation("bnplPlans", "{ bnplPlans { id } }", PEOPLE_ONLY),
    Operation("fundedPurchases", "{ fundedPurchases { id } }", BANKS),
    Operation("creditLine", '{ creditLine(currency: "CNY") { used { amount } } }',
              expect(NULL, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)),
    Operation("bnplCreditDecisions", "{ bnplCreditDecisions { id } }", PEOPLE_ONLY),
    Operation("decideBnplCredit",
              'mutation { decideBnplCredit(input: {currency: "CNY"}) { errors { code } } }',
              expect(KYC_REQUIRED, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN)),
    Operation("payInInstallments(missing)", PAY_IN_INSTALLMENTS, SHOPPER_ON_MISSING,
              lambda m, c: keyed_missing(m, "PaymentIntent")),
    Operation("repayInstallments(missing)", REPAY_INSTALLMENTS,
              expect(NOT_FOUND, anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN),
              lambda m, c: keyed_missing(m, "BnplPlan")),
    # insurance
    Operation("insuranceProducts", "{ insuranceProducts { id } }", PUBLIC),
    Operation("insuranceProduct(missing)", INSURANCE_PRODUCT, expect(NULL),
              missing("InsuranceProduct")),
    Operation("myInsuranceProducts", "{ myInsuranceProducts { id } }", INSURERS),
    Operation("insuranceQuote(missing)", INSURANCE_QUOTE, PEOPLE_FIND_NOTHING,
              missing("InsuranceProduct")),
    Operation("myPolicies", "{ myPolicies { id } }", WALLET_OWNERS),
    Operation("myClaims", "{ myClaims { id } }", WALLET_OWNERS),
    Operation("policy(missing)", POLICY, expect(NULL), missing("Policy")),
    Operation("claim(missing)", CLAIM, expect(NULL), missing("Claim")),
    Operation("underwrittenPolicies", "{ underwrittenPolicies { id } }", INSURERS),
    Operation("insuranceClaims", "{ insuranceClaims { id } }",
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=OK, operator=OK)),
    Operation("insuranceBook", "{ insuranceBook { code } }", INSURERS),
    Operation("insurerSolvency", "{ insurerSolvency { covered } }", OPERATORS_ONLY),
    Operation("publishInsuranceProduct", PUBLISH_INSURANCE, INSURERS,
              lambda m, c: {"code": f"M{next(m.serials)}"}),
    Operation("withdrawInsuranceProduct(missing)", WITHDRAW_INSURANCE,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=NOT_FOUND),
              missing("InsuranceProduct")),
    Operation("buyPolicy(missing)", BUY_POLICY, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "InsuranceProduct")),
    Operation("cancelPolicy(missing)", CANCEL_POLICY, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "Policy")),
    Operation("fileClaim(missing)", FILE_CLAIM, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "Policy")),
    Operation("decideClaim(missing)", DECIDE_CLAIM,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, insurer=NOT_FOUND),
              lambda m, c: keyed_missing(m, "Claim")),
    # crowdfunding
    Operation("campaigns", "{ campaigns { nodes { id } } }", PUBLIC),
    Operation("campaign(missing)", CAMPAIGN, expect(NULL), missing("Campaign")),
    Operation("myCampaigns", "{ myCampaigns { id } }", WALLET_OWNERS),
    Operation("myPledges", "{ myPledges { nodes { id } } }", WALLET_OWNERS),
    Operation("campaignPledges(missing)", CAMPAIGN_PLEDGES, expect(NULL), missing("Campaign")),
    Operation("capTable(missing)", CAP_TABLE, PUBLIC, missing("Campaign")),
    Operation("createCampaign(unverified)", CREATE_CAMPAIGN,
              expect("CREATOR_NOT_ELIGIBLE", anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN),
              lambda m, c: {"input": {"kind": "REWARD", "fundingModel": "ALL_OR_NOTHING",
                                      "goal": "100.00", "currency": "CNY", "durationDays": 30,
                                      "title": "matrix"}}),
    Operation("submitCampaign(missing)", CAMPAIGN_STEP.format(op="submitCampaign"),
              PEOPLE_FIND_NOTHING, missing("Campaign")),
    Operation("reviewCampaign(missing)", REVIEW_CAMPAIGN,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NOT_FOUND),
              missing("Campaign")),
    Operation("cancelCampaign(missing)", CANCEL_CAMPAIGN, PEOPLE_FIND_NOTHING,
              missing("Campaign")),
    Operation("amendCampaign(missing)", AMEND_CAMPAIGN, PEOPLE_FIND_NOTHING, missing("Campaign")),
    Operation("pledge(missing)", PLEDGE, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "Campaign")),
    Operation("cancelPledge(missing)", PLEDGE_KEYED.format(op="cancelPledge"),
              PEOPLE_FIND_NOTHING, lambda m, c: keyed_missing(m, "Pledge")),
    Operation("reducePledge(missing)", REDUCE_PLEDGE, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "Pledge")),
    Operation("refundPledge(missing)", REFUND_PLEDGE, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "Pledge")),
    Operation("reconfirmPledge(missing)", PLEDGE_STEP.format(op="reconfirmPledge"),
              PEOPLE_FIND_NOTHING, missing("Pledge")),
    Operation("markRewardFulfilled(missing)", PLEDGE_STEP.format(op="markRewardFulfilled"),
              PEOPLE_FIND_NOTHING, missing("Pledge")),
    # economics
    Operation("revenue", '{ revenue(currency: "CNY", from: "2026-12-01", to: "2026-12-31") '
              "{ total { net { amount } } } }", OPERATORS_ONLY),
    Operation("issueReferralCode", "mutation { issueReferralCode { code errors { code } } }",
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED)),
    Operation("setPartnerAgreement(not a partner)",
              "mutation A($input: SetPartnerAgreementInput!) { setPartnerAgreement(input: $input)"
              " { agreement { id } errors { code } } }",
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator="NOT_A_PARTNER"),
              lambda m, c: {"input": {"partnerId": m.subject.id, "currency": "CNY",
                                      "streams": ["mdr"], "shareBps": 1000,
                                      "validFrom": "2026-12-01"}}),
    Operation("partnerStatements", '{ partnerStatements(currency: "CNY") { month } }',
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=INVALID_INPUT)),
    Operation("partnerStatementCsv",
              '{ partnerStatementCsv(month: "2026-11", currency: "CNY") }',
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=INVALID_INPUT)),
    Operation("liquidity", '{ liquidity(currency: "CNY") { owed { amount } } }', OPERATORS_ONLY),
    Operation("disclosure", '{ disclosure(currency: "CNY") { contentHash } }', expect(NULL)),
    Operation("disclosureSnapshots", '{ disclosureSnapshots(currency: "CNY") { month } }',
              PUBLIC),
    # supply chain
    Operation("receivable(missing)", SCF_RECEIVABLE, expect(NULL), missing("Receivable")),
    Operation("certificate(missing)", SCF_CERTIFICATE, expect(NULL), missing("Certificate")),
    Operation("quoteEarlyPayment(missing)", SCF_QUOTE, expect(NULL), missing("Certificate")),
    Operation("myReceivables", "{ myReceivables { id } }", PEOPLE_ONLY),
    Operation("myCertificates", "{ myCertificates { id } }", PEOPLE_ONLY),
    Operation("invoicesToConfirm", "{ invoicesToConfirm { id } }", CORE),
    Operation("payables", "{ payables { id } }", CORE),
    Operation("confirmedPayables", "{ confirmedPayables { certificates } }", CORE),
    Operation("supplyChainProgrammeTotals", "{ supplyChainProgrammeTotals { certificates } }",
              OPERATORS_ONLY),
    Operation("supplyChainPlatformBooks", "{ supplyChainPlatformBooks { allowed } }",
              OPERATORS_ONLY),
    # a person is no supplier; a business must verify its licence first
    Operation("registerInvoice(unverified)", REGISTER_INVOICE,
              expect("SUPPLIER_NOT_ELIGIBLE", anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN,
                     **dict.fromkeys(("merchant", "partner_bank", "insurer", "core_enterprise"),
                                     "BUSINESS_LICENSE_REQUIRED")),
              lambda m, c: {"key": f"matrix-{next(m.serials)}", "input": {
                  "buyerId": m.subject.id, "registrationNumber": "91310000MA1FL0001X",
                  "invoiceNumber": f"M-{next(m.serials)}", "amount": "100.00",
                  "currency": "CNY", "issuedOn": str(date.today() - timedelta(days=1)),
                  "dueOn": str(date.today() + timedelta(days=60))}}),
    Operation("applyCreditNote(missing)", CREDIT_NOTE, PEOPLE_FIND_NOTHING, missing("Receivable")),
    Operation("confirmInvoice(missing)", INVOICE_STEP.format(op="confirmInvoice"),
              CORE_ON_MISSING, missing("Receivable")),
    Operation("rejectInvoice(missing)", REJECT_INVOICE, CORE_ON_MISSING, missing("Receivable")),
    Operation("splitCertificate(missing)", SPLIT_CERTIFICATE, PEOPLE_FIND_NOTHING,
              lambda m, c: {**keyed_missing(m, "Certificate"), "to": m.subject.id}),
    Operation("requestEarlyPayment(missing)", CERTIFICATE_KEYED.format(op="requestEarlyPayment"),
              PEOPLE_FIND_NOTHING, lambda m, c: keyed_missing(m, "Certificate")),
    Operation("payReceivable(missing)", PAY_RECEIVABLE, CORE_ON_MISSING,
              lambda m, c: keyed_missing(m, "Receivable")),
    Operation("exerciseRecourse(missing)", CERTIFICATE_KEYED.format(op="exerciseRecourse"),
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, partner_bank=NOT_FOUND,
                     operator=NOT_FOUND),  # operators act for the platform's book
              lambda m, c: keyed_missing(m, "Certificate")),
    Operation("setSupplyChainProgramme", SET_PROGRAMME,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator="NOT_A_CORE_ENTERPRISE"),
              subject),
    Operation("setSupplyChainPlatformBook", SET_PLATFORM_BOOK,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator="NOT_A_CORE_ENTERPRISE"),
              subject),
    # wealth: funds are public; holdings and redemptions a person's; books a manager's
    Operation("funds", "{ funds { id } }", PUBLIC),
    Operation("fund(missing)", FUND, expect(NULL), missing("Fund")),
    Operation("myFundHoldings", "{ myFundHoldings { id } }", WALLET_OWNERS),
    Operation("myFundRedemptions", "{ myFundRedemptions { id } }", WALLET_OWNERS),
    Operation("managedFunds", "{ managedFunds { holders } }", OPERATORS_ONLY),
    Operation("fundDays(missing)", FUND_DAYS,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=NULL), missing("Fund")),
    Operation("createFund(not a manager)", CREATE_FUND,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED, operator=INVALID_INPUT),
              lambda m, c: {"input": {"name": "matrix", "managerId": m.subject.id,
                                      "managementFeeRate": "0.003"}}),
    Operation("publishFundIncome(missing)", PUBLISH_FUND_INCOME,
              expect(FORBIDDEN, anonymous=UNAUTHENTICATED), missing("Fund")),
    Operation("subscribeFund(missing)", FUND_MONEY.format(op="subscribeFund"),
              PEOPLE_FIND_NOTHING, lambda m, c: keyed_missing(m, "Fund")),
    Operation("redeemFund(missing)", FUND_MONEY.format(op="redeemFund"),
              PEOPLE_FIND_NOTHING, lambda m, c: keyed_missing(m, "Fund")),
    Operation("lendingPlans", "{ lendingPlans { id } }", PUBLIC),
    Operation("myPlanStakes", "{ myPlanStakes { id } }", WALLET_OWNERS),
    Operation("publishLendingPlan", PUBLISH_PLAN, OPERATORS_ONLY,
              lambda m, c: {"input": PLAN_TERMS}),
    Operation("joinLendingPlan(missing)", JOIN_PLAN, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "LendingPlan")),
    Operation("leaveLendingPlan(missing)", LEAVE_PLAN, PEOPLE_FIND_NOTHING,
              lambda m, c: keyed_missing(m, "LendingPlan")),
    # advertising: placements are their advertisers' (people); an item not one's own or
    # missing is not promotable, whoever asks
    Operation("myPlacements", "{ myPlacements { id } }", WALLET_OWNERS),
    Operation("createPlacement(missing)", CREATE_PLACEMENT,
              expect("ITEM_NOT_PROMOTABLE", anonymous=UNAUTHENTICATED, merchant_key=FORBIDDEN),
              lambda m, c: {"key": f"matrix-{next(m.serials)}", "input": {
                  "itemId": missing_id("Fund"), "pricing": "CPC",
                  "bid": {"amount": "1.00", "currency": "CNY"},
                  "budget": {"amount": "1.00", "currency": "CNY"},
                  "endsAt": str(date.today() + timedelta(days=30)) + "T00:00:00+00:00"}}),
    Operation("cancelPlacement(missing)", PLACEMENT_STEP.format(op="cancelPlacement"),
              PEOPLE_FIND_NOTHING, lambda m, c: keyed_missing(m, "Placement")),
    Operation("clickPromotion(missing)", CLICK_PROMOTION, PEOPLE_FIND_NOTHING,
              missing("Placement")),
    Operation("setMerchantFeePlan", SET_FEE_PLAN, OPERATORS_ONLY,
              lambda m, c: {"input": {"merchantId": m.subject.id, "currency": "CNY",
                                      "percentBps": 55}}),
]  # fmt: skip


def keyed_missing(m: Matrix, type_name: str) -> dict[str, object]:
    return {"id": missing_id(type_name), "key": f"matrix-{next(m.serials)}"}


def _own_rule(c: Caller) -> dict[str, object]:
    share = {"role": "MERCHANT", "partyId": c.id, "percentBps": 10_000}
    return {"input": {"name": "all mine", "currency": "CNY", "shares": [share]}}


def money(m: Matrix, **extra: object) -> dict[str, object]:
    """One unit of CNY under a fresh idempotency key."""
    key = f"matrix-{next(m.serials)}"
    return {"input": {"amount": "1.00", "currency": "CNY", **extra}, "key": key}


async def _hold_on_empty_wallet(m: Matrix) -> dict[str, object]:
    newcomer = await create_person(m.app, "newcomer", roles=["INVESTOR"])
    return money(m, participantId=newcomer.id, reason="matrix hold")


async def _refresh_variables(m: Matrix) -> dict[str, str]:
    assert m.subject.email is not None
    return {"t": await refresh_token_of(m.app, m.subject.email)}


async def _pending_variables(m: Matrix) -> dict[str, str]:
    return {"id": await m.pending_submission()}


async def _own_key_variables(m: Matrix, c: Caller) -> dict[str, str]:
    return {"id": await m.key_of(c)}


async def _own_endpoint_variables(m: Matrix, c: Caller) -> dict[str, str]:
    return {"id": await m.endpoint_of(c)}


def _cases() -> list[Any]:
    cases = []
    for operation in OPERATIONS:
        for caller, expected in operation.expected.items():
            case_id = f"{operation.name}-{caller}"
            cases.append(pytest.param(operation, caller, expected, id=case_id))
    return cases


@pytest.fixture(scope="module")
async def matrix(stores: StoreUrls) -> AsyncIterator[Matrix]:
    async with running_app(stores) as (app, client):
        world = Matrix(app, client)
        world.callers["operator"] = await world.make_caller("operator")
        for name in CALLERS:
            if name not in world.callers:
                world.callers[name] = await world.make_caller(name)
        world.subject = await create_person(
            app, "subject", roles=["BORROWER", "MERCHANT"], phone="+8613800138000"
        )
        world.subject_submission = await submit_kyc(client, world.subject, next(world.serials))
        world.subject_key, _ = await create_key(client, world.subject, ["PAYMENTS_READ"])
        world.subject_endpoint = await insert_webhook_endpoint(app, world.subject)
        yield world


@pytest.mark.parametrize(("operation", "caller_name", "expected"), _cases())
async def test_role_matrix(
    matrix: Matrix, operation: Operation, caller_name: str, expected: str
) -> None:
    caller = (
        await matrix.make_caller(caller_name)
        if operation.fresh_caller
        else matrix.callers[caller_name]
    )
    variables = operation.variables(matrix, caller)
    if inspect.isawaitable(variables):
        variables = await variables

    body = await gql(matrix.client, operation.document, variables, token=caller.token)

    assert outcome(body, operation.field) == expected, body


def test_the_matrix_covers_every_root_field() -> None:
    """A new query or mutation must get its row."""
    from graph.schema import build_schema

    schema = build_schema()._schema
    assert schema.query_type is not None
    assert schema.mutation_type is not None
    fields = {*schema.query_type.fields, *schema.mutation_type.fields}

    assert fields == {operation.field for operation in OPERATIONS}
