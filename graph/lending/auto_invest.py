"""Investors' auto-invest rules: create, change or pause, delete, list."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending import tables
from domain.lending.funding_terms import AutoInvestTerms
from domain.lending.services import auto_invest
from domain.money import Money as DomainMoney
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.lending.inputs import LoanGrade, grades, minor, rate, rate_text
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.permissions import allow
from graph.relay import Node, to_global_id, uuid_of


@strawberry.type(description="Buy notes of loans that fit, as soon as they are listed.")
class AutoInvestRule(Node):
    id: strawberry.ID
    active: bool
    grades: list[LoanGrade]
    min_term_months: int
    max_term_months: int
    min_rate: str
    max_per_loan: Money
    daily_budget: Money
    created_at: datetime

    @classmethod
    def of(cls, row: tables.AutoInvestRuleRow) -> AutoInvestRule:
        return cls(
            id=to_global_id("AutoInvestRule", row.id),
            active=row.active,
            grades=[LoanGrade(g) for g in row.grades],
            min_term_months=row.min_term_months,
            max_term_months=row.max_term_months,
            min_rate=rate_text(row.min_rate) or "0",
            max_per_loan=Money.of(DomainMoney(row.max_per_loan, row.currency)),
            daily_budget=Money.of(DomainMoney(row.daily_budget, row.currency)),
            created_at=row.created_at,
        )


@strawberry.input
class AutoInvestRuleInput:
    currency: str
    grades: list[LoanGrade]
    min_term_months: int
    max_term_months: int
    min_rate: str = strawberry.field(description='The least annual rate to earn, "0.08".')
    max_per_loan: str
    daily_budget: str

    def to_domain(self) -> AutoInvestTerms:
        return AutoInvestTerms(
            currency=self.currency,
            grades=grades(self.grades),
            min_term_months=self.min_term_months,
            max_term_months=self.max_term_months,
            min_rate=rate(self.min_rate, "min_rate"),
            max_per_loan=minor(self.max_per_loan, self.currency, "max_per_loan"),
            daily_budget=minor(self.daily_budget, self.currency, "daily_budget"),
        )


@strawberry.type
class AutoInvestRulePayload:
    rule: AutoInvestRule | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class AutoInvestMutations:
    @allow(Role.INVESTOR)
    @strawberry.mutation(description="Investors: a new auto-invest rule.")
    @in_unit_of_work
    async def create_auto_invest_rule(
        self, info: Info, session: AsyncSession, input: AutoInvestRuleInput
    ) -> AutoInvestRulePayload:
        ctx = info.context
        row = await auto_invest.create_auto_invest_rule(
            session=session, clock=ctx.clock, actor=ctx.actor, terms=input.to_domain()
        )
        return AutoInvestRulePayload(rule=AutoInvestRule.of(row))

    @allow(Role.INVESTOR)
    @strawberry.mutation(description="Investors: change a rule's terms, or pause it.")
    @in_unit_of_work
    async def update_auto_invest_rule(
        self,
        info: Info,
        session: AsyncSession,
        id: strawberry.ID,
        input: AutoInvestRuleInput,
        active: bool = True,
    ) -> AutoInvestRulePayload:
        ctx = info.context
        row = await auto_invest.update_auto_invest_rule(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            rule_id=uuid_of(id, "AutoInvestRule"),
            terms=input.to_domain(),
            active=active,
        )
        return AutoInvestRulePayload(rule=AutoInvestRule.of(row))

    @allow(Role.INVESTOR)
    @strawberry.mutation(description="Investors: delete a rule (notes it bought stay yours).")
    @in_unit_of_work
    async def delete_auto_invest_rule(
        self, info: Info, session: AsyncSession, id: strawberry.ID
    ) -> AutoInvestRulePayload:
        ctx = info.context
        await auto_invest.delete_auto_invest_rule(
            session=session, actor=ctx.actor, rule_id=uuid_of(id, "AutoInvestRule")
        )
        return AutoInvestRulePayload()


@strawberry.type
class AutoInvestQueries:
    @allow(Role.INVESTOR)
    @strawberry.field(description="Investors: your auto-invest rules, oldest first.")
    async def my_auto_invest_rules(self, info: Info) -> list[AutoInvestRule]:
        async with info.context.db() as session:
            rows = await auto_invest.my_auto_invest_rules(session, actor=info.context.actor)
        return [AutoInvestRule.of(row) for row in rows]
