"""Loan applications and the offer they carry, as the borrower (and operators) see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.lending import tables
from domain.lending.services.offer import LoanOffer as DomainOffer
from domain.lending.states import ApplicationStatus as DomainStatus
from domain.money import Money as DomainMoney
from graph.lending.inputs import LoanGrade, rate_text
from graph.lending.types import Installment, RepaymentMethod
from graph.money import Money
from graph.relay import Node, to_global_id

# Registered on the domain's enum, so fields and arguments are typed with it directly.
strawberry.enum(
    DomainStatus,
    name="LoanApplicationStatus",
    description="APPROVED (an offer to accept), REVIEW (an operator decides), DECLINED, or "
    "ACCEPTED (the loan is listed).",
)


@strawberry.type(description="One factor behind a credit decision, adverse-action style.")
class ReasonCode:
    code: str
    text: str
    points_lost: int = strawberry.field(description="Points below the factor's best (0: n/a).")


@strawberry.type(description="A fraud or velocity rule that fired on the application.")
class FraudReason:
    code: str
    text: str
    action: str = strawberry.field(description="REVIEW or DECLINE.")


@strawberry.type(description="What the borrower agrees to by accepting.")
class LoanOffer:
    annual_rate: str
    installments: list[Installment]
    installment_fees: list[Money] = strawberry.field(description="Fee added to each installment.")
    upfront_fee: Money = strawberry.field(description="Kept from the amount disbursed.")
    total_interest: Money
    total_cost: Money = strawberry.field(description="Interest plus every fee.")
    apr: str = strawberry.field(description="On the amount received, fees included.")

    @classmethod
    def of(cls, offer: DomainOffer) -> LoanOffer:
        return cls(
            annual_rate=str(offer.quote.terms.annual_rate),
            installments=[Installment.of(item) for item in offer.quote.installments],
            installment_fees=[Money.of(fee) for fee in offer.installment_fees],
            upfront_fee=Money.of(offer.upfront_fee),
            total_interest=Money.of(offer.quote.total_interest),
            total_cost=Money.of(offer.total_cost),
            apr=str(offer.apr),
        )


@strawberry.type(description="A borrower's application and the risk engine's decision.")
class LoanApplication(Node):
    id: strawberry.ID
    status: DomainStatus
    amount: Money
    term_months: int
    repayment_method: RepaymentMethod
    purpose: str
    score: int | None
    grade: LoanGrade | None = strawberry.field(description="Null when the scorecard rejects.")
    annual_rate: str | None = strawberry.field(description="The risk price, if approved.")
    credit_limit: Money
    reasons: list[ReasonCode] = strawberry.field(description="Top factors, largest loss first.")
    scorecard_version: str
    fraud_outcome: str = strawberry.field(description="ALLOW, REVIEW or DECLINE.")
    fraud_rules_version: str = strawberry.field(description="The fraud rules that screened it.")
    fraud_reasons: list[FraudReason]
    created_at: datetime
    reviewed_at: datetime | None = strawberry.field(
        description="When an operator decided it, if the fraud rules referred it to REVIEW."
    )
    review_reason: str | None = strawberry.field(description="The reviewer's reason.")
    offer: LoanOffer | None = strawberry.field(description="Only while APPROVED.")
    buys_credit_cover: bool = strawberry.field(
        description="The borrower chose at application to buy the credit cover the product's "
        "offer sells: accepting the offer buys it."
    )

    @classmethod
    def of(cls, row: tables.LoanApplication, offer: DomainOffer | None) -> LoanApplication:
        return cls(
            id=to_global_id("LoanApplication", row.id),
            status=DomainStatus(row.status),
            amount=Money.of(DomainMoney(row.amount, row.currency)),
            term_months=row.term_months,
            repayment_method=RepaymentMethod(row.repayment_method),
            purpose=row.purpose,
            score=row.score,
            grade=LoanGrade(row.grade) if row.grade and row.grade != "REJECT" else None,
            annual_rate=rate_text(row.annual_rate),
            credit_limit=Money.of(DomainMoney(row.credit_limit, row.currency)),
            reasons=[
                ReasonCode(code=r["code"], text=r["text"], points_lost=r["points_lost"])
                for r in row.reason_codes
            ],
            scorecard_version=row.scorecard_version,
            fraud_outcome=row.fraud_action,
            fraud_rules_version=row.fraud_rules_version,
            fraud_reasons=[
                FraudReason(code=r["code"], text=r["text"], action=r["action"])
                for r in row.fraud_reasons
            ],
            created_at=row.created_at,
            reviewed_at=row.reviewed_at,
            review_reason=row.review_reason,
            offer=LoanOffer.of(offer) if offer else None,
            buys_credit_cover=row.buys_credit_cover,
        )
