"""Insurance products, quotes, policies, claims, an insurer's book and solvency as clients
see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.insurance import claims, premiums, products, states
from domain.insurance.services import reads
from domain.insurance.services.policies import Quote
from domain.insurance.services.updates import rule_of
from domain.insurance.tables import Claim as ClaimRow
from domain.insurance.tables import InsuranceProduct as ProductRow
from domain.insurance.tables import Policy as PolicyRow
from graph.advertising.promotion import Promotable
from graph.errors import UserError
from graph.events.types import SUBJECT_NODES, money
from graph.idempotency import IdempotentPayload
from graph.money import Money
from graph.relay import Node, to_global_id

InsuranceKind = products.ProductKind
DistributionModel = products.DistributionModel
PremiumBasis = premiums.PremiumBasis
PolicyState = states.PolicyState
ClaimState = states.ClaimState
ClaimDecision = claims.Decision
strawberry.enum(InsuranceKind, description="What a product insures.")
strawberry.enum(DistributionModel, description="Who sells it: the platform, or the insurer.")
strawberry.enum(PremiumBasis, description="How its premium is priced.")
strawberry.enum(PolicyState, description="Where a policy is in its life.")
strawberry.enum(ClaimState, description="Where a claim is: open, decided, paid.")
strawberry.enum(ClaimDecision, name="ClaimDecision", description="The insurer's decision.")


@strawberry.type(description="A premium priced by grade: basis points of the insured amount.")
class GradeRate:
    grade: str
    basis_points: int


@strawberry.type(description="Merchants returning up to this share of sales pay this premium.")
class ReturnRateBand:
    up_to_basis_points: int
    premium: Money


@strawberry.type(description="A return-shipping product's parametric payout by payment amount.")
class FreightBand:
    up_to: Money
    payout: Money


@strawberry.type(description="How a product's premium is priced, within its bounds.")
class PremiumRule:
    basis: PremiumBasis
    basis_points: int = strawberry.field(description="PERCENT: of the insured amount.")
    amount: Money | None = strawberry.field(description="FIXED: the premium.")
    by_grade: list[GradeRate]
    bands: list[ReturnRateBand]
    minimum: Money
    maximum: Money | None


@strawberry.type(description="One version of an insurer's product.")
class InsuranceProduct(Node, Promotable):
    id: strawberry.ID
    insurer_id: strawberry.ID = strawberry.field(description="The insurer (a Participant).")
    code: str
    version: int
    name: str
    kind: InsuranceKind
    currency: str
    premium: PremiumRule
    coverage_share: str = strawberry.field(description='Of a loss, e.g. "0.8".')
    max_payout: Money | None = strawberry.field(
        description="The most a policy pays over its life; null: the insured amount's share."
    )
    deductible: Money
    term_days: int
    waiting_days: int = strawberry.field(description="No claim on a loss before this.")
    cooling_off_days: int = strawberry.field(description="Cancelled within: all refunded.")
    distribution: DistributionModel
    commission_basis_points: int = strawberry.field(description="PLATFORM: the platform's.")
    policy_fee: Money = strawberry.field(description="DIRECT: the platform's per policy.")
    min_insured: Money
    max_insured: Money | None
    freight_table: list[FreightBand]
    payout_hours: int = strawberry.field(description="Parametric claims are paid within.")
    on_sale: bool
    current: bool = strawberry.field(description="False once a newer version replaced it.")
    created_at: datetime

    @classmethod
    def of(cls, row: ProductRow) -> InsuranceProduct:
        c = row.currency
        rule = rule_of(row.premium_rule)
        return cls(
            id=to_global_id("InsuranceProduct", row.id),
            insurer_id=to_global_id("Participant", row.insurer_id),
            code=row.code,
            version=row.version,
            name=row.name,
            kind=InsuranceKind(row.kind),
            currency=c,
            premium=PremiumRule(
                basis=rule.basis,
                basis_points=rule.basis_points,
                amount=money(rule.amount, c) if rule.amount else None,
                by_grade=[GradeRate(grade=g, basis_points=b) for g, b in rule.by_grade.items()],
                bands=[
                    ReturnRateBand(up_to_basis_points=b.up_to_bps, premium=money(b.premium, c))
                    for b in rule.bands
                ],
                minimum=money(rule.minimum, c),
                maximum=money(rule.maximum, c) if rule.maximum is not None else None,
            ),
            coverage_share=str(row.coverage_share.normalize()),
            max_payout=money(row.max_payout, c) if row.max_payout is not None else None,
            deductible=money(row.deductible, c),
            term_days=row.term_days,
            waiting_days=row.waiting_days,
            cooling_off_days=row.cooling_off_days,
            distribution=DistributionModel(row.distribution),
            commission_basis_points=row.commission_bps,
            policy_fee=money(row.policy_fee, c),
            min_insured=money(row.min_insured, c),
            max_insured=money(row.max_insured, c) if row.max_insured is not None else None,
            freight_table=[
                FreightBand(up_to=money(b["up_to"], c), payout=money(b["payout"], c))
                for b in row.freight_table
            ],
            payout_hours=row.payout_hours,
            on_sale=row.on_sale,
            current=row.superseded_at is None,
            created_at=row.created_at,
        )


@strawberry.type(description="What a policy of a product costs for an amount, now.")
class InsuranceQuote:
    product: InsuranceProduct
    insured: Money
    premium: Money
    to_insurer: Money
    commission: Money = strawberry.field(description="The platform's part of the premium.")
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, quote: Quote) -> InsuranceQuote:
        c = quote.currency
        return cls(
            product=InsuranceProduct.of(quote.product),
            insured=money(quote.insured, c),
            premium=money(quote.premium, c),
            to_insurer=money(quote.split.insurer, c),
            commission=money(quote.split.platform, c),
            starts_at=quote.starts_at,
            ends_at=quote.ends_at,
        )


@strawberry.type(description="An insurance policy: its holder, insurer, premium and state.")
class Policy(Node):
    id: strawberry.ID
    product_id: strawberry.ID = strawberry.field(description="The InsuranceProduct version.")
    insurer_id: strawberry.ID
    holder_id: strawberry.ID
    kind: InsuranceKind
    state: PolicyState
    subject_type: str | None = strawberry.field(description="LOAN or PAYMENT, or none.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="The Loan or PaymentIntent it covers."
    )
    insured: Money
    premium: Money
    to_insurer: Money
    commission: Money
    claimed: Money = strawberry.field(description="Approved on its claims.")
    refunded: Money = strawberry.field(description="Given back on cancellation.")
    starts_at: datetime
    ends_at: datetime
    cancelled_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: PolicyRow) -> Policy:
        c = row.currency
        subject = SUBJECT_NODES.get(row.subject_type or "")
        return cls(
            id=to_global_id("Policy", row.id),
            product_id=to_global_id("InsuranceProduct", row.product_id),
            insurer_id=to_global_id("Participant", row.insurer_id),
            holder_id=to_global_id("Participant", row.holder_id),
            kind=InsuranceKind(row.kind),
            state=PolicyState(row.state),
            subject_type=row.subject_type,
            subject_id=to_global_id(subject, row.subject_id)
            if subject and row.subject_id
            else None,
            insured=money(row.insured, c),
            premium=money(row.premium, c),
            to_insurer=money(row.insurer_premium, c),
            commission=money(row.commission, c),
            claimed=money(row.claimed, c),
            refunded=money(row.refunded_insurer + row.refunded_commission, c),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            cancelled_at=row.cancelled_at,
            created_at=row.created_at,
        )


@strawberry.type(description="A claim on a policy: filed or opened by its cause, decided, paid.")
class Claim(Node):
    id: strawberry.ID
    policy_id: strawberry.ID
    insurer_id: strawberry.ID
    claimant_id: strawberry.ID
    beneficiary_id: strawberry.ID | None = strawberry.field(
        description="Who is paid; null: the loan's funders, paid by their shares."
    )
    automatic: bool = strawberry.field(description="Opened by its cause, not filed.")
    state: ClaimState
    loss: Money
    approved: Money
    paid: Money
    decision: ClaimDecision | None
    reason: str
    description: str
    attempts: int = strawberry.field(description="Payments tried.")
    pay_by: datetime | None = strawberry.field(description="Parametric: the product's promise.")
    decided_at: datetime | None
    paid_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: ClaimRow) -> Claim:
        c = row.currency
        return cls(
            id=to_global_id("Claim", row.id),
            policy_id=to_global_id("Policy", row.policy_id),
            insurer_id=to_global_id("Participant", row.insurer_id),
            claimant_id=to_global_id("Participant", row.claimant_id),
            beneficiary_id=to_global_id("Participant", row.beneficiary_id)
            if row.beneficiary_id
            else None,
            automatic=row.trigger is not None,
            state=ClaimState(row.state),
            loss=money(row.loss, c),
            approved=money(row.approved, c),
            paid=money(row.paid, c),
            decision=ClaimDecision(row.decision) if row.decision else None,
            reason=row.reason,
            description=row.description,
            attempts=row.attempts,
            pay_by=row.pay_by,
            decided_at=row.decided_at,
            paid_at=row.paid_at,
            created_at=row.created_at,
        )


@strawberry.type(description="One product in an insurer's book.")
class BookLine:
    code: str
    kind: InsuranceKind
    policies: int
    written: Money = strawberry.field(description="Premiums, less refunds.")
    earned: Money = strawberry.field(description="Of those, the part of the terms run.")
    commission: Money = strawberry.field(description="Paid to the platform.")
    claims_paid: Money
    claims_outstanding: Money = strawberry.field(
        description="Approved and unpaid, and the losses claimed on open claims."
    )
    loss_ratio: str | None = strawberry.field(
        description='(Claims paid + outstanding) / earned, e.g. "0.4213"; null before earning.'
    )

    @classmethod
    def of(cls, line: reads.BookLine) -> BookLine:
        c = line.currency
        ratio = line.loss_ratio
        return cls(
            code=line.code,
            kind=InsuranceKind(line.kind),
            policies=line.policies,
            written=money(line.written, c),
            earned=money(line.earned, c),
            commission=money(line.commission, c),
            claims_paid=money(line.claims_paid, c),
            claims_outstanding=money(line.claims_outstanding, c),
            loss_ratio=None if ratio is None else f"{float(ratio):.4f}",
        )


@strawberry.type(description="An insurer's claims outstanding against what its account holds.")
class InsurerSolvency:
    insurer_id: strawberry.ID
    balance: Money
    outstanding: Money
    unpaid_claims: int = strawberry.field(description="APPROVED_UNPAID: waiting for money.")
    covered: bool

    @classmethod
    def of(cls, row: reads.Solvency) -> InsurerSolvency:
        return cls(
            insurer_id=to_global_id("Participant", row.insurer_id),
            balance=money(row.balance, row.currency),
            outstanding=money(row.outstanding, row.currency),
            unpaid_claims=row.unpaid_claims,
            covered=row.covered,
        )


@strawberry.type
class InsuranceProductPayload:
    product: InsuranceProduct | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PolicyPayload(IdempotentPayload):
    policy: Policy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ClaimPayload(IdempotentPayload):
    claim: Claim | None = None
    policy: Policy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
