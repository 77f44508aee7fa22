"""BNPL credit decided by the risk engine: the shopper's facts gathered as lending gathers an
applicant's (domain/lending/services/applicant_facts.py), their BNPL plans added, scored and
screened, the decision stored with its versions and reasons, and the line set by it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.consumer_credit.eligibility import (
    BNPL_LIMIT_RULE,
    BnplDecisionStatus,
    bnpl_verdict,
    decision_is_current,
)
from domain.consumer_credit.errors import NotEligible
from domain.consumer_credit.tables import (
    BnplCreditDecisionRow,
    BnplInstallmentRow,
    BnplPlanRow,
    CreditLineRow,
)
from domain.errors import InvalidInput
from domain.lending.services.applicant_facts import assess_applicant
from domain.lending.tables import LoanApplication
from domain.participants.kyc import KycRequired
from domain.participants.tables import Participant
from domain.risk.features import OtherDebt
from domain.risk.records import fraud_records, point_records, reason_records

LINES = CreditLineRow.__table__  # type: ignore[attr-defined]


async def decide_bnpl_credit(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    currency: str,
    declared_monthly_income: int | None = None,
) -> BnplCreditDecisionRow:
    """Ask the risk engine now (on demand), with the income declared or else the last one
    Agora knows; the decision is kept whatever it says, and the line takes its limit."""
    shopper_id = actor.require_person()
    if declared_monthly_income is not None and declared_monthly_income < 0:
        raise InvalidInput("must not be negative", field="declared_monthly_income")
    shopper = await session.get(Participant, shopper_id)
    assert shopper is not None
    _require_decidable(shopper, currency)
    return await _decide(session, actor, shopper, currency, declared_monthly_income, clock.now())


async def current_decision(
    session: AsyncSession, *, actor: Actor, currency: str, now: datetime
) -> BnplCreditDecisionRow | None:
    """The decision setting the caller's line at `now`: the line's own while current, else a new
    one on the income last declared; None for a shopper the engine may not decide on."""
    shopper = await session.get(Participant, actor.require_person())
    assert shopper is not None
    try:
        _require_decidable(shopper, currency)
    except (KycRequired, NotEligible):
        return None
    line = await _line(session, shopper.id, currency)
    decision = await _decision_of(session, line)
    if decision is not None and decision_is_current(decision.decided_at, now):
        return decision
    return await _decide(session, actor, shopper, currency, None, now)


async def line_decision(session: AsyncSession, line: CreditLineRow) -> BnplCreditDecisionRow:
    """The line's decision if it approved BNPL credit; NotEligible with its reasons otherwise."""
    decision = await _decision_of(session, line)
    if decision is None:
        raise NotEligible("no current credit decision: ask for one", field="payment_id")
    if decision.status != BnplDecisionStatus.APPROVED.value:
        raise NotEligible(refusal_text(decision), field="payment_id")
    return decision


def refusal_text(decision: BnplCreditDecisionRow) -> str:
    """Why the risk engine refused, by its codes (the decision itself says more)."""
    codes = [r["code"] for r in decision.fraud_reasons + decision.reason_codes]
    verb = (
        "referred for review"
        if decision.status == BnplDecisionStatus.REVIEW.value
        else ("declined")
    )
    return (
        f"{verb} by the risk engine (scorecard {decision.scorecard_version}): "
        f"{', '.join(dict.fromkeys(codes)) or decision.grade}"
    )


def _require_decidable(shopper: Participant, currency: str) -> None:
    if shopper.kyc_level < 1:
        raise KycRequired("verify your identity (KYC) to pay in installments", field="payment_id")
    if currency != BNPL_LIMIT_RULE.currency:
        raise NotEligible(
            f"installments are lent in {BNPL_LIMIT_RULE.currency} only", field="currency"
        )


async def _decide(
    session: AsyncSession,
    actor: Actor,
    shopper: Participant,
    currency: str,
    declared: int | None,
    now: datetime,
) -> BnplCreditDecisionRow:
    income = declared if declared is not None else await _known_income(session, shopper.id)
    decision, verdict = await assess_applicant(
        session,
        borrower=shopper,
        declared_monthly_income=income,
        new_monthly_payment=0,
        now=now,
        other_debt=await bnpl_debt(session, shopper.id),
    )
    outcome = bnpl_verdict(BNPL_LIMIT_RULE, decision.grade, verdict.action, income)
    row = BnplCreditDecisionRow(
        shopper_id=shopper.id,
        currency=currency,
        declared_monthly_income=income,
        status=outcome.status.value,
        score=decision.score,
        grade=decision.grade.value,
        credit_limit=outcome.limit,
        reason_codes=reason_records(decision) + list(outcome.extra_reasons),
        points=point_records(decision),
        scorecard_version=decision.scorecard_version,
        limit_rule_version=BNPL_LIMIT_RULE.version,
        fraud_action=verdict.action.name,
        fraud_rules_version=verdict.rules_version,
        fraud_reasons=fraud_records(verdict),
        decided_at=now,
    )
    session.add(row)
    await session.flush()
    await _set_line(session, row)
    record(
        session,
        actor=actor,
        action="bnpl.credit_decided",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="BnplCreditDecision",
        target_id=row.id,
        details={"status": row.status, "grade": row.grade, "limit": row.credit_limit},
    )
    return row


async def _set_line(session: AsyncSession, decision: BnplCreditDecisionRow) -> None:
    """The line takes the decision's limit (opened if need be); what is used stays used."""
    decided_by = f"{decision.scorecard_version}/{decision.limit_rule_version}"
    values = {
        "credit_limit": decision.credit_limit,
        "decided_by": decided_by,
        "decision_id": decision.id,
        "updated_at": decision.decided_at,
    }
    await (await session.connection()).execute(
        insert(LINES)
        .values(
            id=uuid4(),
            shopper_id=decision.shopper_id,
            currency=decision.currency,
            used=0,
            created_at=decision.decided_at,
            **values,
        )
        .on_conflict_do_update(constraint="credit_line_per_currency", set_=values)
    )


async def bnpl_debt(session: AsyncSession, shopper_id: UUID) -> OtherDebt:
    """What the shopper's BNPL plans weigh: each live plan's largest open installment a month
    (as lending weighs loans), the principal still owed, and installments ever late."""
    mine = col(BnplPlanRow.shopper_id) == shopper_id
    joined = col(BnplInstallmentRow.plan_id) == col(BnplPlanRow.id)
    owed = BnplInstallmentRow.principal_due + BnplInstallmentRow.interest_due
    open_rows = (
        select(
            func.max(owed).label("burden"),
            func.sum(col(BnplInstallmentRow.principal_due)).label("principal"),
        )
        .join(BnplPlanRow, joined)
        .where(mine, col(BnplPlanRow.state) == "ACTIVE", col(BnplInstallmentRow.paid_at).is_(None))
        .group_by(col(BnplPlanRow.id))
    )
    plans = (await session.exec(open_rows)).all()
    late = (
        select(func.count())
        .select_from(BnplInstallmentRow)
        .join(BnplPlanRow, joined)
        .where(mine, col(BnplInstallmentRow.days_past_due) > 0)
    )
    return OtherDebt(
        monthly_burden=sum(int(burden) for burden, _ in plans),
        outstanding_principal=sum(int(principal) for _, principal in plans),
        overdue_count=int((await session.exec(late)).one()),
    )


async def _known_income(session: AsyncSession, shopper_id: UUID) -> int:
    """The monthly income the shopper declared last, to BNPL or to lending; 0 if never."""
    bnpl = (
        await session.exec(
            select(BnplCreditDecisionRow.decided_at, BnplCreditDecisionRow.declared_monthly_income)
            .where(col(BnplCreditDecisionRow.shopper_id) == shopper_id)
            .order_by(col(BnplCreditDecisionRow.decided_at).desc())
            .limit(1)
        )
    ).first()
    lending = (
        await session.exec(
            select(LoanApplication.created_at, LoanApplication.declared_monthly_income)
            .where(col(LoanApplication.borrower_id) == shopper_id)
            .order_by(col(LoanApplication.created_at).desc())
            .limit(1)
        )
    ).first()
    known = [fact for fact in (bnpl, lending) if fact is not None]
    return int(max(known, key=lambda fact: fact[0])[1]) if known else 0


async def _line(session: AsyncSession, shopper_id: UUID, currency: str) -> CreditLineRow | None:
    return (
        await session.exec(
            select(CreditLineRow).where(
                col(CreditLineRow.shopper_id) == shopper_id, col(CreditLineRow.currency) == currency
            )
        )
    ).first()


async def _decision_of(
    session: AsyncSession, line: CreditLineRow | None
) -> BnplCreditDecisionRow | None:
    if line is None or line.decision_id is None:
        return None
    return await session.get(BnplCreditDecisionRow, line.decision_id)


async def my_credit_decisions(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    shopper_id: UUID | None = None,
    ids: Collection[UUID] | None = None,
) -> list[BnplCreditDecisionRow]:
    """BNPL credit decisions, newest first: the caller's own, or (operators) anyone's;
    only those of `ids` when given."""
    if actor.is_operator:
        query = select(BnplCreditDecisionRow)
        if shopper_id is not None:
            query = query.where(col(BnplCreditDecisionRow.shopper_id) == shopper_id)
    else:
        query = select(BnplCreditDecisionRow).where(
            col(BnplCreditDecisionRow.shopper_id) == actor.require_person()
        )
    if ids is not None:
        query = query.where(col(BnplCreditDecisionRow.id).in_(ids))
    query = query.order_by(col(BnplCreditDecisionRow.decided_at).desc()).limit(limit)
    return list((await session.exec(query)).all())
