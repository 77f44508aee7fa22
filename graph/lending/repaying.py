"""Borrowers: their loans with schedules and next due, and repaying."""

from __future__ import annotations

from dataclasses import field
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending import tables
from domain.lending.services import repaying
from domain.lending.services.portfolio import my_loans
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from graph.context import Info
from graph.lending.loans import Loan
from graph.money import Money
from graph.payloads import UserError, run_mutation
from graph.relay import to_global_id, uuid_of
from graph.wallets.mutations import IdempotencyKey, MoneyInput


@strawberry.input
class RepayLoanInput(MoneyInput):
    loan_id: strawberry.ID


@strawberry.type
class RepayLoanPayload:
    repayment_id: strawberry.ID | None = None
    applied: Money | None = strawberry.field(
        default=None, description="What was taken; the rest of the amount stayed in your wallet."
    )
    loan: Loan | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class RepayingMutations:
    @strawberry.mutation(
        description="Borrowers: repay; penalty, fees, interest, then principal, oldest "
        "installment first; what is not owed stays in your wallet."
    )
    async def repay_loan(
        self, info: Info, input: RepayLoanInput, idempotency_key: IdempotencyKey
    ) -> RepayLoanPayload:
        ctx = info.context

        async def use_case(session: AsyncSession) -> RepayLoanPayload:
            currency = currency_of(input.currency)
            loan_id = uuid_of(input.loan_id, "Loan")
            answer = await repaying.repay_loan(
                session=session, clock=ctx.clock, actor=ctx.actor, loan_id=loan_id,
                amount=parse_money(input.amount, currency, field="amount"),
                idempotency_key=idempotency_key,
            )  # fmt: skip
            loan = await session.get(tables.Loan, loan_id)
            assert loan is not None
            return RepayLoanPayload(
                repayment_id=to_global_id("Repayment", UUID(answer["repayment_id"])),
                applied=Money.of(DomainMoney(answer["applied"], loan.currency)),
                loan=Loan.of(loan),
            )

        return await run_mutation(info, lambda e: RepayLoanPayload(errors=e), use_case)


@strawberry.type
class RepayingQueries:
    @strawberry.field(description="Your loans as a borrower, newest first.")
    async def my_loans(self, info: Info) -> list[Loan]:
        async with info.context.db() as session:
            rows = await my_loans(session, actor=info.context.actor)
        return [Loan.of(row) for row in rows]
