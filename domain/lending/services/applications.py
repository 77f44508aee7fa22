"""Borrowers apply (the risk engine decides, explainably) and accept the offer (the loan is
listed and matched against standing offers and rules at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InputRejected, InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.services.credit_cover import check_cover_choice
from domain.lending.errors import ApplicationRefused
from domain.lending.products import LoanProduct, application_violations
from domain.lending.schedule import build_schedule
from domain.lending.services.applicant_facts import assess_applicant
from domain.lending.services.cover_offers import require_cover_in_force
from domain.lending.services.list_loan import list_loan
from domain.lending.services.product_terms import product_of
from domain.lending.states import ApplicationStatus
from domain.lending.tables import Loan, LoanApplication, LoanProductRow
from domain.money import Money
from domain.participants.kyc import KycRequired, KycStatus
from domain.participants.roles import Role
from domain.participants.tables import Participant
from domain.risk.fraud import FraudAction
from domain.risk.records import fraud_records, point_records, reason_records
from domain.risk.score import CreditDecision
from domain.risk.scorecard import Grade

# How long an approved offer may wait for the borrower's acceptance.
OFFER_VALIDITY = timedelta(days=7)


async def current_product(session: AsyncSession, product_id: UUID) -> LoanProductRow:
    product = await session.get(LoanProductRow, product_id)
    if product is None or product.superseded_at is not None:
        raise NotFound("no such product (or a newer version replaced it)", field="product_id")
    return product


def _check_request(product: LoanProduct, amount: Money, term: int) -> None:
    if amount.currency != product.currency:
        raise InvalidInput(f"the product lends {product.currency}", field="amount")
    found = application_violations(product, amount=amount.minor, term_months=term)
    if found:
        raise InputRejected([InvalidInput(v.message, field=v.field) for v in found])


def _largest_payment(product: LoanProduct, amount: int, term: int) -> int:
    """The heaviest installment at the product's highest rate: the burden the rules weigh."""
    schedule = build_schedule(
        principal=amount,
        annual_rate=product.max_rate,
        term_months=term,
        method=product.method,
        rounding=product.rounding,
    )
    return max(item.total for item in schedule)


def _status(
    decision: CreditDecision, fraud: FraudAction, rate: Decimal | None, amount: int
) -> tuple[ApplicationStatus, list[dict[str, Any]]]:
    """The outcome, and reason codes the decision adds to the scorecard's."""
    if fraud is FraudAction.DECLINE or decision.grade is Grade.REJECT:
        return ApplicationStatus.DECLINED, []
    if rate is None:
        return ApplicationStatus.DECLINED, [
            {
                "code": "PRICE_OUTSIDE_PRODUCT",
                "text": "the risk price is above what the product allows",
                "points_lost": 0,
            }
        ]
    if amount > decision.limit:
        return ApplicationStatus.DECLINED, [
            {
                "code": "AMOUNT_ABOVE_LIMIT",
                "text": "the amount asked is above your credit "
                f"limit of {Money(decision.limit, decision.currency).text()}",
                "points_lost": 0,
            }
        ]
    if fraud is FraudAction.REVIEW:
        return ApplicationStatus.REVIEW, []
    return ApplicationStatus.APPROVED, []


async def apply_for_loan(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    product_id: UUID,
    amount: Money,
    term_months: int,
    purpose: str,
    declared_monthly_income: int,
    buy_credit_cover: bool = False,
) -> LoanApplication:
    """Score the application and screen it for fraud; stored with the model version and
    every reason, whatever the outcome. `buy_credit_cover`: the borrower chooses now the
    credit cover the product's offer sells (accepting the offer buys it); CoverNotOffered,
    and nothing stored, if the offer sells none."""
    borrower_id = actor.require_person()
    actor.require_role(Role.BORROWER)
    if not 1 <= len(purpose.strip()) <= 200:
        raise InvalidInput("say what the loan is for, in at most 200 characters", field="purpose")
    if declared_monthly_income < 0:
        raise InvalidInput("must not be negative", field="declared_monthly_income")
    now = clock.now()
    borrower = await session.get(Participant, borrower_id)
    assert borrower is not None
    if borrower.kyc_status != KycStatus.VERIFIED.value:
        raise KycRequired("verify your identity before applying", field="kyc")
    row = await current_product(session, product_id)
    await require_cover_in_force(session, row)
    product = product_of(row)
    _check_request(product, amount, term_months)
    await check_cover_choice(session, product, buys=buy_credit_cover)
    decision, verdict = await assess_applicant(
        session,
        borrower=borrower,
        declared_monthly_income=declared_monthly_income,
        new_monthly_payment=_largest_payment(product, amount.minor, term_months),
        now=now,
    )
    rate = decision.annual_rate
    if rate is not None:
        rate = None if rate > product.max_rate else max(rate, product.min_rate)
    status, extra_reasons = _status(decision, verdict.action, rate, amount.minor)
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.REVIEW):
        # The cover chosen must be one the offer can sell this borrower: priced, or refused now.
        choice = (amount.minor, decision.grade.value)
        await check_cover_choice(session, product, buys=buy_credit_cover, loan=choice, now=now)
    application = LoanApplication(
        borrower_id=borrower_id,
        product_id=row.id,
        amount=amount.minor,
        currency=amount.currency,
        term_months=term_months,
        repayment_method=product.method.value,
        purpose=purpose.strip(),
        declared_monthly_income=declared_monthly_income,
        status=status.value,
        score=decision.score,
        grade=decision.grade.value,
        annual_rate=rate,
        credit_limit=decision.limit,
        reason_codes=reason_records(decision) + extra_reasons,
        points=point_records(decision),
        scorecard_version=decision.scorecard_version,
        fraud_action=verdict.action.name,
        fraud_rules_version=verdict.rules_version,
        fraud_reasons=fraud_records(verdict),
        created_at=now,
        buys_credit_cover=buy_credit_cover,
    )
    session.add(application)
    await session.flush()
    record(
        session,
        actor=actor,
        action="lending.apply",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="LoanApplication",
        target_id=application.id,
        details={"status": status.value, "score": decision.score, "grade": decision.grade.value},
    )
    return application


async def own_application(
    session: AsyncSession, actor: Actor, application_id: UUID
) -> LoanApplication:
    """The caller's application (operators see every one); NotFound otherwise."""
    actor.require_participant()
    application = await session.get(LoanApplication, application_id)
    if application is None or not actor.may_see(application.borrower_id):
        raise NotFound("no such application", field="application_id")
    return application


@dataclass(frozen=True, slots=True)
class OfferAccepted(StoredAnswer):
    """What accepting an offer's key keeps: the loan it listed."""

    loan_id: UUID


async def accept_loan_offer(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    application_id: UUID,
    idempotency_key: str,
    buy_credit_cover: bool = False,
) -> Loan:
    """List the approved application's loan (matched at once); the loan (as it is now).
    `buy_credit_cover`: buy the credit cover the product's cover offer sells without
    requiring it (a product that requires it sells it anyway; chosen at application, it is
    bought whatever this says); CoverNotOffered if none."""
    borrower_id = actor.require_person()

    async def execute() -> OfferAccepted:
        now = clock.now()
        application = await session.get(LoanApplication, application_id, with_for_update=True)
        if application is None or application.borrower_id != borrower_id:
            raise NotFound("no such application", field="application_id")
        if application.status != ApplicationStatus.APPROVED.value:
            raise ApplicationRefused(
                f"the application is {application.status}, not APPROVED", field="application_id"
            )
        # A referred application's offer was made when the reviewer approved it.
        offered_at = application.reviewed_at or application.created_at
        if now - offered_at > OFFER_VALIDITY:
            raise ApplicationRefused("the offer has lapsed: apply again", field="application_id")
        product = await session.get(LoanProductRow, application.product_id)
        assert product is not None
        loan = await list_loan(
            session,
            application=application,
            product=product,
            now=now,
            buys_credit_cover=buy_credit_cover or application.buys_credit_cover,
        )
        application.status = ApplicationStatus.ACCEPTED.value
        application.accepted_at = now
        record(
            session,
            actor=actor,
            action="lending.accept",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Loan",
            target_id=loan.id,
        )
        return OfferAccepted(loan_id=loan.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.accept",
        request={
            "application": str(application_id),
            **({"cover": True} if buy_credit_cover else {}),
        },
        execute=execute,
        answer=OfferAccepted,
    )
    loan = await session.get(Loan, answer.loan_id)  # the row just written
    assert loan is not None  # loans are never deleted
    return loan
