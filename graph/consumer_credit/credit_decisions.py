"""BNPL credit from the risk engine: shoppers ask for a decision and see why; operators see
every decision; the credit line shows the decision that set it."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.consumer_credit.eligibility import DECISION_VALIDITY, BnplDecisionStatus
from domain.consumer_credit.services import credit_decisions, credit_lines
from domain.consumer_credit.tables import BnplCreditDecisionRow, CreditLineRow
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from graph.context import Info
from graph.errors import ErrorCode, UserError
from graph.hardening.policy import page_size
from graph.lending.applications import FraudReason, ReasonCode
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import Node, optional_uuid_of, to_global_id


@strawberry.type(description="The risk engine's decision on a shopper's installment credit.")
class BnplCreditDecision(Node):
    id: strawberry.ID
    shopper_id: strawberry.ID
    status: str = strawberry.field(description="APPROVED, REVIEW (referred) or DECLINED.")
    score: int
    grade: str = strawberry.field(description="A..E, or REJECT; banks' offers see it.")
    credit_limit: Money = strawberry.field(description="The line's limit; zero unless APPROVED.")
    declared_monthly_income: Money = strawberry.field(
        description="The income weighed: declared now, or the last one declared to Agora."
    )
    reasons: list[ReasonCode] = strawberry.field(description="Top factors, largest loss first.")
    fraud_outcome: str = strawberry.field(description="ALLOW, REVIEW or DECLINE.")
    fraud_rules_version: str = strawberry.field(description="The fraud rules that screened it.")
    fraud_reasons: list[FraudReason]
    scorecard_version: str
    limit_rule_version: str
    decided_at: datetime
    valid_until: datetime = strawberry.field(description="After it, checkout decides again.")

    @classmethod
    def of(cls, row: BnplCreditDecisionRow) -> BnplCreditDecision:
        def m(minor: int) -> Money:
            return Money.of(DomainMoney(minor, row.currency))

        return cls(
            id=to_global_id("BnplCreditDecision", row.id),
            shopper_id=to_global_id("Participant", row.shopper_id),
            status=row.status,
            score=row.score,
            grade=row.grade,
            credit_limit=m(row.credit_limit),
            declared_monthly_income=m(row.declared_monthly_income),
            reasons=[
                ReasonCode(code=r["code"], text=r["text"], points_lost=r["points_lost"])
                for r in row.reason_codes
            ],
            fraud_outcome=row.fraud_action,
            fraud_rules_version=row.fraud_rules_version,
            fraud_reasons=[
                FraudReason(code=r["code"], text=r["text"], action=r["action"])
                for r in row.fraud_reasons
            ],
            scorecard_version=row.scorecard_version,
            limit_rule_version=row.limit_rule_version,
            decided_at=row.decided_at,
            valid_until=row.decided_at + DECISION_VALIDITY,
        )


@strawberry.type(description="Your installment credit in one currency.")
class CreditLine:
    currency: str
    limit: Money
    used: Money
    available: Money
    decision: BnplCreditDecision | None = strawberry.field(
        description="The risk engine's decision that set the limit."
    )

    @classmethod
    def of(cls, row: CreditLineRow, decision: BnplCreditDecisionRow | None) -> CreditLine:
        def m(minor: int) -> Money:
            return Money.of(DomainMoney(minor, row.currency))

        return cls(
            currency=row.currency,
            limit=m(row.credit_limit),
            used=m(row.used),
            available=m(max(0, row.credit_limit - row.used)),
            decision=BnplCreditDecision.of(decision) if decision else None,
        )


async def credit_line_view(session: AsyncSession, row: CreditLineRow) -> CreditLine:
    decision = (
        await session.get(BnplCreditDecisionRow, row.decision_id) if row.decision_id else None
    )
    return CreditLine.of(row, decision)


@strawberry.input
class DecideBnplCreditInput:
    currency: str
    declared_monthly_income: str | None = strawberry.field(
        default=None, description="Monthly, in the same currency; omitted: the last declared."
    )


@strawberry.type
class BnplCreditPayload:
    decision: BnplCreditDecision | None = None
    credit_line: CreditLine | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class BnplCreditQueries:
    @allow(SIGNED_IN)
    @strawberry.field(description="Shoppers: your installment credit (null before a decision).")
    async def credit_line(self, info: Info, currency: str) -> CreditLine | None:
        currency_of(currency)
        async with info.context.db() as session:
            row = await credit_lines.my_credit_line(
                session, actor=info.context.actor, currency=currency
            )
            return await credit_line_view(session, row) if row else None

    @allow(SIGNED_IN)
    @strawberry.field(
        description="BNPL credit decisions, newest first: shoppers their own; operators "
        "anyone's (or one shopper's)."
    )
    async def bnpl_credit_decisions(
        self, info: Info, shopper_id: strawberry.ID | None = None, first: int | None = None
    ) -> list[BnplCreditDecision]:
        async with info.context.db() as session:
            rows = await credit_decisions.my_credit_decisions(
                session,
                actor=info.context.actor,
                limit=page_size(first, info.context.hardening),
                shopper_id=optional_uuid_of(shopper_id, "Participant"),
            )
        return [BnplCreditDecision.of(row) for row in rows]


@strawberry.type
class BnplCreditMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Shoppers (identity verified): ask the risk engine for installment credit "
        "now. The decision is kept and shown whatever it says; the credit line takes its limit. "
        "Refused or referred: NOT_ELIGIBLE, with the decision's reasons."
    )
    @in_unit_of_work
    async def decide_bnpl_credit(
        self, info: Info, session: AsyncSession, input: DecideBnplCreditInput
    ) -> BnplCreditPayload:
        ctx = info.context
        currency = currency_of(input.currency).code
        income = input.declared_monthly_income
        row = await credit_decisions.decide_bnpl_credit(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            currency=currency,
            declared_monthly_income=None
            if income is None
            else parse_money(income, currency_of(currency), field="declared_monthly_income").minor,
        )
        line = await credit_lines.my_credit_line(session, actor=ctx.actor, currency=currency)
        errors = (
            []
            if row.status == BnplDecisionStatus.APPROVED.value
            else [
                UserError(
                    code=ErrorCode.NOT_ELIGIBLE,
                    message=credit_decisions.refusal_text(row),
                    field=None,
                )
            ]
        )
        return BnplCreditPayload(
            decision=BnplCreditDecision.of(row),
            errors=errors,
            credit_line=CreditLine.of(line, row) if line else None,
        )
