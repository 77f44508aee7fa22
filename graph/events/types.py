"""Events as subscribers see them: a common interface, the generic Event, and typed ones.

A typed event reads its payload through the dataclass its context recorded it with
(domain/<context>/events.py), so its fields are the webhook body's `data`, field by field
(camelCase, money as Money, ids as global ids where the schema has a node for them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar, overload
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from domain.advertising.events import PlacementUpdated
from domain.advertising.items import ITEM_TYPE_NAMES, ItemKind
from domain.consumer_credit.events import (
    PlanInstallmentDue,
    PlanMatchCreated,
    PlanRepaymentReceived,
)
from domain.crowdfunding.events import CampaignUpdated, PledgeUpdated
from domain.events import catalog
from domain.events.payloads import EventPayload, parse
from domain.insurance.events import ClaimUpdated, PolicyUpdated
from domain.ledger.events import WalletChanged
from domain.lending.events import (
    LoanDefaulted,
    LoanFunded,
    LoanInstallmentDue,
    LoanMatchCreated,
    LoanRepaymentReceived,
)
from domain.liquidity.events import RiskThresholdCrossed
from domain.money import Money as DomainMoney
from domain.participants.events import KycDecided
from domain.payments.events import PaymentUpdated, PayoutUpdated
from domain.supply_chain.events import CertificateUpdated, ReceivableUpdated
from domain.wallets.services.accounts import WalletBalance
from domain.wealth.events import (
    FundIncomePosted,
    FundRedemptionUpdated,
    PlanExitUpdated,
    PlanMatured,
)
from graph.context import DeliveredEvent
from graph.events.sharing import viewer_independent
from graph.money import Money
from graph.relay import to_global_id
from graph.wallets.types import Wallet

EventType = strawberry.enum(
    catalog.EventType, description="What happened; the prefix of its value is its topic."
)


@strawberry.interface(description="What every event carries.")
class DomainEvent:
    cursor: str = strawberry.field(
        description="The event's position: pass it as `after` to resume right after it."
    )
    occurred_at: datetime
    correlation_id: str | None = strawberry.field(
        description="The request (or job) that caused it, as in the logs' request_id."
    )


@strawberry.type(description="An event with its payload as recorded (see `version`).")
class PayloadEvent(DomainEvent):
    aggregate_type: str
    aggregate_id: str
    version: int = strawberry.field(description="The payload's shape: read it before payload.")
    payload: JSON

    @classmethod
    def of(cls, event: DeliveredEvent, **extra: Any) -> Any:
        return cls(
            cursor=str(event.position),
            occurred_at=event.occurred_at,
            correlation_id=event.correlation_id,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            version=event.version,
            payload=JSON(event.payload),
            **extra,
        )


@viewer_independent
@strawberry.type(description="Any event: what the generic `events` subscription streams.")
class Event(PayloadEvent):
    type: EventType  # type: ignore[valid-type]

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> Event:
        return cls.of(event, type=catalog.EventType(event.type))  # type: ignore[no-any-return]


P = TypeVar("P", bound=EventPayload)
Q = TypeVar("Q", bound=EventPayload)


@overload
def payload_of(event: DeliveredEvent, kind: type[P]) -> P: ...
@overload
def payload_of(event: DeliveredEvent, kind: type[P], other: type[Q]) -> P | Q: ...
def payload_of(
    event: DeliveredEvent, kind: type[EventPayload], other: type[EventPayload] | None = None
) -> EventPayload:
    """The event's typed payload, a `kind` or an `other` (an event type may be about several
    aggregates: a lending match is about a Loan, a BNPL one about a BnplPlan)."""
    typed = parse(catalog.EventType(event.type), event.aggregate_type, event.payload, event.version)
    if not isinstance(typed, (kind, other or kind)):
        raise TypeError(f"{event.type} about {event.aggregate_type}: not a {kind.__name__}")
    return typed


def money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


def maybe_money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else money(minor, currency)


def node_id(type_name: str, key: str | None) -> strawberry.ID | None:
    """The global id of the `type_name` node with this key (as the payload stores it)."""
    return None if key is None else to_global_id(type_name, UUID(key))


@viewer_independent
@strawberry.type(description="A wallet's balances changed: every posting that touches it.")
class WalletChangedEvent(DomainEvent):
    wallet: Wallet = strawberry.field(description="The wallet right after the change.")
    journal_id: strawberry.ID = strawberry.field(description="The ledger journal entry.")
    reason: str = strawberry.field(description="DEPOSIT, WITHDRAWAL, P2P, ...")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> WalletChangedEvent:
        changed = payload_of(event, WalletChanged)
        currency = changed.currency
        balance = WalletBalance(
            currency=currency,
            available=DomainMoney(changed.available, currency),
            held=DomainMoney(changed.held, currency),
        )
        return cls(
            cursor=str(event.position),
            occurred_at=event.occurred_at,
            correlation_id=event.correlation_id,
            wallet=Wallet.of(balance),
            journal_id=strawberry.ID(changed.journal_id),
            reason=changed.reason,
        )


# Typed events keep the generic fields (aggregateType, aggregateId, version, payload) beside
# their own, so a client may read either.
@viewer_independent
@strawberry.type(
    description="A funder was matched with a loan listing (loanId) or a bank's offer with a "
    "BNPL purchase's plan (planId)."
)
class MatchCreatedEvent(PayloadEvent):
    loan_id: strawberry.ID | None = strawberry.field(description="Lending: the Loan.")
    match_id: strawberry.ID | None = strawberry.field(description="Lending: the LoanMatch.")
    plan_id: strawberry.ID | None = strawberry.field(description="BNPL: the BnplPlan.")
    payment_id: strawberry.ID | None = strawberry.field(
        description="BNPL: the purchase's PaymentIntent."
    )
    funding_id: strawberry.ID | None = strawberry.field(description="BNPL: the BnplFunding.")
    offer_id: strawberry.ID | None = strawberry.field(description="BNPL: the bank's FundingOffer.")
    source_kind: str = strawberry.field(description="What funded it (BANK_OFFER, ...).")
    amount: Money
    annual_rate: str = strawberry.field(description='Decimal string, e.g. "0.085".')

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> MatchCreatedEvent:
        m = payload_of(event, LoanMatchCreated, PlanMatchCreated)
        loan = m if isinstance(m, LoanMatchCreated) else None
        plan = m if isinstance(m, PlanMatchCreated) else None
        return cls.of(  # type: ignore[no-any-return]
            event,
            loan_id=node_id("Loan", loan.loan_id if loan else None),
            match_id=node_id("LoanMatch", loan.match_id if loan else None),
            plan_id=node_id("BnplPlan", plan.plan_id if plan else None),
            payment_id=node_id("PaymentIntent", plan.payment_id if plan else None),
            funding_id=node_id("BnplFunding", plan.funding_id if plan else None),
            offer_id=node_id("FundingOffer", plan.offer_id if plan else None),
            source_kind=m.source_kind,
            amount=money(m.amount, m.currency),
            annual_rate=m.annual_rate,
        )


@viewer_independent
@strawberry.type(description="A loan was fully funded and disbursed.")
class LoanFundedEvent(PayloadEvent):
    loan_id: strawberry.ID = strawberry.field(description="The Loan.")
    principal: Money
    disbursed: Money = strawberry.field(description="The principal less upfront fees.")
    funders: int = strawberry.field(description="How many notes funded it.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> LoanFundedEvent:
        f = payload_of(event, LoanFunded)
        return cls.of(  # type: ignore[no-any-return]
            event,
            loan_id=node_id("Loan", f.loan_id),
            principal=money(f.principal, f.currency),
            disbursed=money(f.disbursed, f.currency),
            funders=f.funders,
        )


@viewer_independent
@strawberry.type(
    description="A repayment (or recovery) was received on a loan (loanId), or a shopper "
    "paid towards a BNPL plan (planId), and allocated."
)
class RepaymentReceivedEvent(PayloadEvent):
    loan_id: strawberry.ID | None = strawberry.field(description="Lending: the Loan.")
    repayment_id: str | None = strawberry.field(description="Lending: the repayment's id.")
    kind: str | None = strawberry.field(description="Lending: MANUAL, AUTO_DEBIT, RECOVERY.")
    loan_state: str | None = strawberry.field(description="Lending: the loan's state after.")
    plan_id: strawberry.ID | None = strawberry.field(description="BNPL: the BnplPlan.")
    plan_state: str | None = strawberry.field(description="BNPL: the plan's state after.")
    amount: Money = strawberry.field(description="What was applied.")
    principal: Money
    interest: Money
    penalty: Money
    fees: Money | None = strawberry.field(description="Lending: fees paid.")
    principal_prepaid: Money | None = strawberry.field(
        description="A repayment: principal paid ahead of schedule."
    )
    rescheduled: bool | None = strawberry.field(
        description="A repayment: the installments not yet due were rewritten."
    )
    to_cover: Money | None = strawberry.field(
        description="A recovery: what went back to the cover provider."
    )
    to_funders: Money | None = strawberry.field(
        description="A recovery: what went to the note holders."
    )

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> RepaymentReceivedEvent:
        r = payload_of(event, LoanRepaymentReceived, PlanRepaymentReceived)
        c = r.currency
        loan = r if isinstance(r, LoanRepaymentReceived) else None
        plan = r if isinstance(r, PlanRepaymentReceived) else None
        return cls.of(  # type: ignore[no-any-return]
            event,
            loan_id=node_id("Loan", loan.loan_id if loan else None),
            repayment_id=loan.repayment_id if loan else None,
            kind=loan.kind if loan else None,
            loan_state=loan.loan_state if loan else None,
            plan_id=node_id("BnplPlan", plan.plan_id if plan else None),
            plan_state=plan.plan_state if plan else None,
            amount=money(r.amount, c),
            principal=money(r.principal, c),
            interest=money(r.interest, c),
            penalty=money(r.penalty, c),
            fees=maybe_money(loan.fees if loan else None, c),
            principal_prepaid=maybe_money(loan.principal_prepaid if loan else None, c),
            rescheduled=loan.rescheduled if loan else None,
            to_cover=maybe_money(loan.to_cover if loan else None, c),
            to_funders=maybe_money(loan.to_funders if loan else None, c),
        )


@viewer_independent
@strawberry.type(description="An installment of a loan (loanId) or a BNPL plan (planId) fell due.")
class InstallmentDueEvent(PayloadEvent):
    loan_id: strawberry.ID | None = strawberry.field(description="Lending: the Loan.")
    plan_id: strawberry.ID | None = strawberry.field(description="BNPL: the BnplPlan.")
    number: int = strawberry.field(description="The installment's number, from 1.")
    due_date: date
    amount: Money = strawberry.field(description="What it still owes.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> InstallmentDueEvent:
        d = payload_of(event, LoanInstallmentDue, PlanInstallmentDue)
        return cls.of(  # type: ignore[no-any-return]
            event,
            loan_id=node_id("Loan", d.loan_id if isinstance(d, LoanInstallmentDue) else None),
            plan_id=node_id("BnplPlan", d.plan_id if isinstance(d, PlanInstallmentDue) else None),
            number=d.number,
            due_date=date.fromisoformat(d.due_date),
            amount=money(d.amount, d.currency),
        )


@viewer_independent
@strawberry.type(description="A loan defaulted: what was outstanding, covered, written off.")
class LoanDefaultedEvent(PayloadEvent):
    loan_id: strawberry.ID = strawberry.field(description="The Loan.")
    outstanding: Money
    covered: Money = strawberry.field(description="What the cover paid the note holders.")
    written_off: Money
    cover_kind: str = strawberry.field(description="NONE, INSURANCE, GUARANTEE, ...")
    paid_by: str | None = strawberry.field(
        description="INSURANCE, GUARANTEE or GUARANTEE_FUND; null when nothing was paid."
    )
    cover_provider: strawberry.ID | None = strawberry.field(
        description="The Participant who paid; null for the platform's fund."
    )
    cover_due: Money = strawberry.field(description="What the cover owed.")
    shortfall: Money = strawberry.field(description="What it owed and could not pay.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> LoanDefaultedEvent:
        d = payload_of(event, LoanDefaulted)
        c = d.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            loan_id=node_id("Loan", d.loan_id),
            outstanding=money(d.outstanding, c),
            covered=money(d.covered, c),
            written_off=money(d.written_off, c),
            cover_kind=d.cover_kind,
            paid_by=d.paid_by,
            cover_provider=node_id("Participant", d.cover_provider),
            cover_due=money(d.cover_due, c),
            shortfall=money(d.shortfall, c),
        )


@viewer_independent
@strawberry.type(description="A payment changed state: the intent as it is after.")
class PaymentUpdatedEvent(PayloadEvent):
    payment_id: strawberry.ID = strawberry.field(description="The PaymentIntent.")
    state: str
    mode: str = strawberry.field(description="ESCROW or DIRECT.")
    order_reference: str
    amount: Money
    captured: Money
    refunded: Money
    fee: Money
    shipped_at: datetime | None
    auto_release_at: datetime | None

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PaymentUpdatedEvent:
        p = payload_of(event, PaymentUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            payment_id=node_id("PaymentIntent", p.payment_id),
            state=p.state,
            mode=p.mode,
            order_reference=p.order_reference,
            amount=money(p.amount, c),
            captured=money(p.captured, c),
            refunded=money(p.refunded, c),
            fee=money(p.fee, c),
            shipped_at=_moment(p.shipped_at),
            auto_release_at=_moment(p.auto_release_at),
        )


@viewer_independent
@strawberry.type(description="A payout changed state.")
class PayoutUpdatedEvent(PayloadEvent):
    payout_id: strawberry.ID = strawberry.field(description="The Payout.")
    batch_id: strawberry.ID = strawberry.field(description="The SettlementBatch it pays.")
    state: str
    amount: Money
    failure_reason: str | None

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PayoutUpdatedEvent:
        p = payload_of(event, PayoutUpdated)
        return cls.of(  # type: ignore[no-any-return]
            event,
            payout_id=node_id("Payout", p.payout_id),
            batch_id=node_id("SettlementBatch", p.batch_id),
            state=p.state,
            amount=money(p.amount, p.currency),
            failure_reason=p.failure_reason,
        )


@viewer_independent
@strawberry.type(description="A campaign's progress or state changed: as it is after.")
class CampaignUpdatedEvent(PayloadEvent):
    campaign_id: strawberry.ID = strawberry.field(description="The Campaign.")
    change: str = strawberry.field(description="What happened (a CampaignChange).")
    state: str
    kind: str
    funding_model: str
    goal: Money
    pledged: Money
    backers: int
    captured: Money
    fee: Money
    deadline: datetime | None
    tier_id: strawberry.ID | None = strawberry.field(
        description="The RewardTier a pledge took or gave back a unit of."
    )
    tier_taken: int | None = strawberry.field(description="Its units taken after the change.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> CampaignUpdatedEvent:
        p = payload_of(event, CampaignUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            campaign_id=node_id("Campaign", p.campaign_id),
            change=p.change,
            state=p.state,
            kind=p.kind,
            funding_model=p.funding_model,
            goal=money(p.goal, c),
            pledged=money(p.pledged, c),
            backers=p.backers,
            captured=money(p.captured, c),
            fee=money(p.fee, c),
            deadline=_moment(p.deadline),
            tier_id=node_id("RewardTier", p.tier_id),
            tier_taken=p.tier_taken,
        )


@viewer_independent
@strawberry.type(description="A pledge changed: as it is after.")
class PledgeUpdatedEvent(PayloadEvent):
    pledge_id: strawberry.ID = strawberry.field(description="The Pledge.")
    campaign_id: strawberry.ID = strawberry.field(description="The Campaign.")
    state: str
    amount: Money
    tip: Money
    captured: Money
    refunded: Money
    shares: int | None

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PledgeUpdatedEvent:
        p = payload_of(event, PledgeUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            pledge_id=node_id("Pledge", p.pledge_id),
            campaign_id=node_id("Campaign", p.campaign_id),
            state=p.state,
            amount=money(p.amount, c),
            tip=money(p.tip, c),
            captured=money(p.captured, c),
            refunded=money(p.refunded, c),
            shares=p.shares,
        )


@viewer_independent
@strawberry.type(description="A KYC submission was verified or rejected.")
class KycDecidedEvent(PayloadEvent):
    submission_id: strawberry.ID = strawberry.field(description="The KycSubmission.")
    participant_id: strawberry.ID = strawberry.field(description="The Participant.")
    status: str = strawberry.field(description="VERIFIED or REJECTED.")
    kyc_level: int = strawberry.field(description="The participant's level after it.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> KycDecidedEvent:
        p = payload_of(event, KycDecided)
        return cls.of(  # type: ignore[no-any-return]
            event,
            submission_id=node_id("KycSubmission", p.submission_id),
            participant_id=node_id("Participant", p.participant_id),
            status=p.status,
            kyc_level=p.kyc_level,
        )


# The node a policy's subject is, by its subject_type.
SUBJECT_NODES = {"LOAN": "Loan", "PAYMENT": "PaymentIntent"}


@viewer_independent
@strawberry.type(description="A policy was issued, cancelled, expired or claimed out.")
class PolicyUpdatedEvent(PayloadEvent):
    policy_id: strawberry.ID = strawberry.field(description="The Policy.")
    change: str = strawberry.field(description="ISSUED, CANCELLED, EXPIRED or CLAIMED_OUT.")
    state: str
    kind: str
    product_id: strawberry.ID = strawberry.field(description="The InsuranceProduct version.")
    insured: Money
    premium: Money
    commission: Money
    refunded: Money
    starts_at: datetime
    ends_at: datetime
    subject_type: str | None = strawberry.field(description="LOAN or PAYMENT, or none.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="The Loan or PaymentIntent it covers."
    )

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PolicyUpdatedEvent:
        p = payload_of(event, PolicyUpdated)
        c = p.currency
        subject = SUBJECT_NODES.get(p.subject_type or "")
        return cls.of(  # type: ignore[no-any-return]
            event,
            policy_id=node_id("Policy", p.policy_id),
            change=p.change,
            state=p.state,
            kind=p.kind,
            product_id=node_id("InsuranceProduct", p.product_id),
            insured=money(p.insured, c),
            premium=money(p.premium, c),
            commission=money(p.commission, c),
            refunded=money(p.refunded, c),
            starts_at=datetime.fromisoformat(p.starts_at),
            ends_at=datetime.fromisoformat(p.ends_at),
            subject_type=p.subject_type,
            subject_id=node_id(subject, p.subject_id) if subject else p.subject_id,
        )


@viewer_independent
@strawberry.type(description="A claim was opened, decided or paid (or could not be paid yet).")
class ClaimUpdatedEvent(PayloadEvent):
    claim_id: strawberry.ID = strawberry.field(description="The Claim.")
    policy_id: strawberry.ID = strawberry.field(description="The Policy.")
    change: str = strawberry.field(description="OPENED, DECIDED, PAID or PAYMENT_FAILED.")
    state: str
    loss: Money
    approved: Money
    paid: Money
    decision: str | None
    reason: str

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> ClaimUpdatedEvent:
        p = payload_of(event, ClaimUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            claim_id=node_id("Claim", p.claim_id),
            policy_id=node_id("Policy", p.policy_id),
            change=p.change,
            state=p.state,
            loss=money(p.loss, c),
            approved=money(p.approved, c),
            paid=money(p.paid, c),
            decision=p.decision,
            reason=p.reason,
        )


@viewer_independent
@strawberry.type(description="An invoice registered on a core enterprise changed: as it is after.")
class ReceivableUpdatedEvent(PayloadEvent):
    receivable_id: strawberry.ID = strawberry.field(description="The Receivable.")
    change: str = strawberry.field(description="REGISTERED, CREDITED, CONFIRMED, REJECTED or PAID.")
    state: str
    supplier_id: strawberry.ID = strawberry.field(description="The supplier (a Participant).")
    buyer_id: strawberry.ID = strawberry.field(description="The core enterprise (a Participant).")
    invoice_number: str
    amount: Money
    due_on: date
    reason: str | None = strawberry.field(description="A rejection's reason.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> ReceivableUpdatedEvent:
        p = payload_of(event, ReceivableUpdated)
        return cls.of(  # type: ignore[no-any-return]
            event,
            receivable_id=node_id("Receivable", p.receivable_id),
            change=p.change,
            state=p.state,
            supplier_id=node_id("Participant", p.supplier_id),
            buyer_id=node_id("Participant", p.buyer_id),
            invoice_number=p.invoice_number,
            amount=money(p.amount, p.currency),
            due_on=date.fromisoformat(p.due_on),
            reason=p.reason,
        )


@viewer_independent
@strawberry.type(description="A risk threshold was crossed: into breach, or back within its limit.")
class RiskThresholdCrossedEvent(PayloadEvent):
    metric: str = strawberry.field(description="The RiskMetric.")
    subject: str = strawberry.field(
        description="Empty for the platform, else the id of the participant it concerns."
    )
    currency: str
    value: str = strawberry.field(description="The ratio now, six decimals.")
    limit: str
    bound: str = strawberry.field(description="FLOOR or CEILING.")
    breached: bool = strawberry.field(description="True: beyond its limit; false: back within.")
    thresholds_version: str

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> RiskThresholdCrossedEvent:
        p = payload_of(event, RiskThresholdCrossed)
        return cls.of(  # type: ignore[no-any-return]
            event,
            metric=p.metric,
            subject=p.subject,
            currency=p.currency,
            value=p.value,
            limit=p.limit,
            bound=p.bound,
            breached=p.breached,
            thresholds_version=p.thresholds_version,
        )


@viewer_independent
@strawberry.type(description="A receivable certificate changed: as it is after.")
class CertificateUpdatedEvent(PayloadEvent):
    certificate_id: strawberry.ID = strawberry.field(description="The Certificate.")
    receivable_id: strawberry.ID = strawberry.field(description="Its Receivable.")
    change: str = strawberry.field(
        description="ISSUED, SPLIT, TRANSFERRED, FINANCED, OVERDUE, RECOURSED, REMINDED or PAID."
    )
    state: str
    holder_id: strawberry.ID = strawberry.field(description="Who is paid at maturity.")
    buyer_id: strawberry.ID = strawberry.field(description="The core enterprise that pays.")
    amount: Money
    due_on: date
    days_past_due: int
    bucket: str
    penalty_accrued: Money
    parent_id: strawberry.ID | None = strawberry.field(
        description="The Certificate it was split from."
    )

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> CertificateUpdatedEvent:
        p = payload_of(event, CertificateUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            certificate_id=node_id("Certificate", p.certificate_id),
            receivable_id=node_id("Receivable", p.receivable_id),
            change=p.change,
            state=p.state,
            holder_id=node_id("Participant", p.holder_id),
            buyer_id=node_id("Participant", p.buyer_id),
            amount=money(p.amount, c),
            due_on=date.fromisoformat(p.due_on),
            days_past_due=p.days_past_due,
            bucket=p.bucket,
            penalty_accrued=money(p.penalty_accrued, c),
            parent_id=node_id("Certificate", p.parent_id),
        )


@viewer_independent
@strawberry.type(description="A fund day's income was paid to its holders in units.")
class FundIncomePostedEvent(PayloadEvent):
    fund_id: strawberry.ID = strawberry.field(description="The Fund.")
    day: date
    income_per_10k: str = strawberry.field(
        description='The income of 10,000 units that day, a decimal string, e.g. "0.6512".'
    )
    seven_day_yield: str | None = strawberry.field(
        description='The 7-day annualised yield after the day, e.g. "0.023851" (2.3851 %).'
    )
    earning_units: Money = strawberry.field(description="The units that earned the day.")
    income: Money = strawberry.field(description="The fund's income on them, rounded once.")
    residue: Money = strawberry.field(description="Of which booked to the fund's residue.")
    management_fee: Money
    custodian_fee: Money
    units: Money = strawberry.field(description="The holders' units after the day.")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> FundIncomePostedEvent:
        p = payload_of(event, FundIncomePosted)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            fund_id=node_id("Fund", p.fund_id),
            day=date.fromisoformat(p.day),
            income_per_10k=p.income_per_10k,
            seven_day_yield=p.seven_day_yield,
            earning_units=money(p.earning_units, c),
            income=money(p.income, c),
            residue=money(p.residue, c),
            management_fee=money(p.management_fee, c),
            custodian_fee=money(p.custodian_fee, c),
            units=money(p.units, c),
        )


@viewer_independent
@strawberry.type(description="A fund redemption was asked for (its T+0 part paid) or paid.")
class FundRedemptionUpdatedEvent(PayloadEvent):
    redemption_id: strawberry.ID = strawberry.field(description="The FundRedemption.")
    fund_id: strawberry.ID = strawberry.field(description="The Fund.")
    state: str = strawberry.field(description="PAID, or PENDING until its business day.")
    instant: Money = strawberry.field(description="Paid at once (T+0).")
    pending: Money = strawberry.field(description="Paid on dueOn (T+1).")
    due_on: date | None
    paid_at: datetime | None

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> FundRedemptionUpdatedEvent:
        p = payload_of(event, FundRedemptionUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            redemption_id=node_id("FundRedemption", p.redemption_id),
            fund_id=node_id("Fund", p.fund_id),
            state=p.state,
            instant=money(p.instant, c),
            pending=money(p.pending, c),
            due_on=None if p.due_on is None else date.fromisoformat(p.due_on),
            paid_at=_moment(p.paid_at),
        )


@viewer_independent
@strawberry.type(
    description="A lending plan you are in matured (MATURED: its notes are on the secondary "
    "market until exitDeadline) or exited (EXITED: your payout is in your wallet)."
)
class PlanMaturedEvent(PayloadEvent):
    plan_id: strawberry.ID = strawberry.field(description="The LendingPlan.")
    stake_id: strawberry.ID = strawberry.field(description="Your PlanStake.")
    state: str = strawberry.field(description="MATURED or EXITED.")
    stake: Money = strawberry.field(description="What you put in.")
    payout: Money | None = strawberry.field(description="EXITED: what you were paid.")
    realised: Money | None = strawberry.field(description="EXITED: what the plan realised.")
    fee: Money | None = strawberry.field(description="EXITED: the plan's management fee.")
    matured_at: datetime
    exit_deadline: datetime = strawberry.field(
        description="When the platform's book buys the notes nobody bought."
    )
    held: Money = strawberry.field(
        description="EXITED: principal of the notes the platform's book could not buy, which "
        "the plan holds to maturity (their repayments paid to you as they come)."
    )

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PlanMaturedEvent:
        p = payload_of(event, PlanMatured)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            plan_id=node_id("LendingPlan", p.plan_id),
            stake_id=node_id("PlanStake", p.stake_id),
            state=p.state,
            stake=money(p.stake, c),
            payout=None if p.payout is None else money(p.payout, c),
            realised=None if p.realised is None else money(p.realised, c),
            fee=None if p.fee is None else money(p.fee, c),
            matured_at=datetime.fromisoformat(p.matured_at),
            exit_deadline=datetime.fromisoformat(p.exit_deadline),
            held=money(p.held, c),
        )


@viewer_independent
@strawberry.type(
    description="Your early exit from a lending plan moved on: you left (your share of its "
    "cash paid, your share of its notes listed), some of its notes sold or repaid, or DONE."
)
class PlanExitUpdatedEvent(PayloadEvent):
    plan_id: strawberry.ID = strawberry.field(description="The LendingPlan.")
    stake_id: strawberry.ID = strawberry.field(description="Your PlanStake.")
    state: str = strawberry.field(description="PENDING, PARTLY_SOLD or DONE.")
    cash: Money = strawberry.field(description="Your share of the plan's cash, paid at once.")
    notes: Money = strawberry.field(description="Principal of the notes carved for you.")
    received: Money = strawberry.field(description="Everything the exit has brought so far.")
    fee: Money = strawberry.field(description="The early-exit fee taken of it so far.")
    paid: Money = strawberry.field(description="Received less the fee: in your wallet.")
    deadline: datetime = strawberry.field(
        description="When the platform's book buys the notes nobody bought."
    )

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PlanExitUpdatedEvent:
        p = payload_of(event, PlanExitUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            plan_id=node_id("LendingPlan", p.plan_id),
            stake_id=node_id("PlanStake", p.stake_id),
            state=p.state,
            cash=money(p.cash, c),
            notes=money(p.notes, c),
            received=money(p.received, c),
            fee=money(p.fee, c),
            paid=money(p.paid, c),
            deadline=datetime.fromisoformat(p.deadline),
        )


@viewer_independent
@strawberry.type(description="Your placement was created, charged a batch, or ended.")
class PlacementUpdatedEvent(PayloadEvent):
    placement_id: strawberry.ID = strawberry.field(description="The Placement.")
    change: str = strawberry.field(
        description="CREATED, CHARGED (a batch), EXHAUSTED, ENDED or CANCELLED."
    )
    state: str = strawberry.field(description="ACTIVE, EXHAUSTED, ENDED or CANCELLED.")
    item_kind: str = strawberry.field(description="LOAN, CAMPAIGN, FUND or INSURANCE_PRODUCT.")
    item_id: strawberry.ID = strawberry.field(
        description="The promoted Loan, Campaign, Fund or InsuranceProduct."
    )
    pricing: str = strawberry.field(description="CPM or CPC.")
    bid: Money
    budget: Money
    charged: Money = strawberry.field(description="Charged in all, this change included.")
    charge: Money = strawberry.field(description="This change's batch.")
    returned: Money = strawberry.field(description="Unspent budget given back (on an end).")

    @classmethod
    def from_stream(cls, event: DeliveredEvent) -> PlacementUpdatedEvent:
        p = payload_of(event, PlacementUpdated)
        c = p.currency
        return cls.of(  # type: ignore[no-any-return]
            event,
            placement_id=node_id("Placement", p.placement_id),
            change=p.change,
            state=p.state,
            item_kind=p.item_kind,
            item_id=node_id(ITEM_TYPE_NAMES[ItemKind(p.item_kind)], p.item_id),
            pricing=p.pricing,
            bid=money(p.bid, c),
            budget=money(p.budget, c),
            charged=money(p.charged, c),
            charge=money(p.charge, c),
            returned=money(p.returned, c),
        )


def _moment(iso: str | None) -> datetime | None:
    return None if iso is None else datetime.fromisoformat(iso)


TYPED_EVENTS: dict[catalog.EventType, Any] = {
    catalog.EventType.WALLET_CHANGED: WalletChangedEvent,
    catalog.EventType.MATCH_CREATED: MatchCreatedEvent,
    catalog.EventType.LOAN_FUNDED: LoanFundedEvent,
    catalog.EventType.REPAYMENT_RECEIVED: RepaymentReceivedEvent,
    catalog.EventType.INSTALLMENT_DUE: InstallmentDueEvent,
    catalog.EventType.LOAN_DEFAULTED: LoanDefaultedEvent,
    catalog.EventType.PAYMENT_UPDATED: PaymentUpdatedEvent,
    catalog.EventType.PAYOUT_UPDATED: PayoutUpdatedEvent,
    catalog.EventType.CAMPAIGN_UPDATED: CampaignUpdatedEvent,
    catalog.EventType.PLEDGE_UPDATED: PledgeUpdatedEvent,
    catalog.EventType.KYC_DECIDED: KycDecidedEvent,
    catalog.EventType.POLICY_UPDATED: PolicyUpdatedEvent,
    catalog.EventType.CLAIM_UPDATED: ClaimUpdatedEvent,
    catalog.EventType.RISK_THRESHOLD_CROSSED: RiskThresholdCrossedEvent,
    catalog.EventType.RECEIVABLE_UPDATED: ReceivableUpdatedEvent,
    catalog.EventType.CERTIFICATE_UPDATED: CertificateUpdatedEvent,
    catalog.EventType.FUND_INCOME_POSTED: FundIncomePostedEvent,
    catalog.EventType.FUND_REDEMPTION_UPDATED: FundRedemptionUpdatedEvent,
    catalog.EventType.PLAN_MATURED: PlanMaturedEvent,
    catalog.EventType.PLAN_EXIT_UPDATED: PlanExitUpdatedEvent,
    catalog.EventType.PLACEMENT_UPDATED: PlacementUpdatedEvent,
}
"""The GraphQL type of each event type's subscription (a test checks it covers the catalog)."""
