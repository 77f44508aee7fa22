"""Borrowers: their loans with schedules and next due, what paying off costs, and repaying."""

from __future__ import annotations

from dataclasses import field
from datetime import date

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.lending.services import payoff
from domain.lending.services.portfolio import my_loans
from domain.lending.services.repay_loan import repay_loan
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.lending.loans import Loan
from graph.money import Money, MoneyInput
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import to_global_id, uuid_of


@strawberry.input
class RepayLoanInput(MoneyInput):
    loan_id: strawberry.ID
    prepay: bool = strawberry.field(
        default=False,
        description="Repay ahead of the schedule under the product's early-repayment rule: "
        "at least the payoff (see loanPayoffQuote) closes the loan; less prepays principal "
        "and lowers the installments not yet due. Otherwise what is due, then the next "
        "installment as scheduled.",
    )


@strawberry.type
class RepayLoanPayload(IdempotentPayload):
    repayment_id: strawberry.ID | None = None
    applied: Money | None = strawberry.field(
        default=None, description="What was taken; the rest of the amount stayed in your wallet."
    )
    loan: Loan | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class RepayingMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Borrowers: repay; penalty, fees, interest, then principal, oldest "
        "installment first: what is due, then the next installment, or with `prepay` ahead "
        "of the schedule. What is not owed stays in your wallet."
    )
    @in_unit_of_work
    async def repay_loan(
        self,
        info: Info,
        session: AsyncSession,
        input: RepayLoanInput,
        idempotency_key: IdempotencyKey,
    ) -> RepayLoanPayload:
        ctx = info.context
        currency = currency_of(input.currency)
        loan_id = uuid_of(input.loan_id, "Loan")
        repaid = await repay_loan(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            loan_id=loan_id,
            amount=parse_money(input.amount, currency, field="amount"),
            idempotency_key=idempotency_key,
            prepay=input.prepay,
        )
        return RepayLoanPayload(
            repayment_id=to_global_id("Repayment", repaid.repayment_id),
            applied=Money.of(repaid.applied),
            loan=Loan.of(repaid.loan),
        )


@strawberry.type(description="What paying a loan off today costs, under its product's rule.")
class LoanPayoffQuote:
    loan: Loan
    on: date = strawberry.field(description="The day the quote holds for.")
    total: Money = strawberry.field(description="Repay at least this today to close the loan.")
    penalty: Money
    fees: Money
    interest: Money = strawberry.field(
        description="Interest of what is due and of the current period (to date or whole, "
        "as the product says)."
    )
    principal: Money
    waived: Money = strawberry.field(description="Interest and fees of the periods not used.")

    @classmethod
    def of(cls, quote: payoff.PayoffQuote) -> LoanPayoffQuote:
        def money(minor: int) -> Money:
            return Money.of(DomainMoney(minor, quote.loan.currency))

        return cls(
            loan=Loan.of(quote.loan),
            on=quote.on,
            total=money(quote.total),
            penalty=money(quote.penalty),
            fees=money(quote.fees),
            interest=money(quote.interest),
            principal=money(quote.principal),
            waived=money(quote.waived),
        )


@strawberry.type
class RepayingQueries:
    @allow(SIGNED_IN, looks_missing=True)
    @strawberry.field(
        description="Borrowers: what paying off your active loan costs today, or null."
    )
    async def loan_payoff_quote(self, info: Info, loan_id: strawberry.ID) -> LoanPayoffQuote | None:
        ctx = info.context
        async with ctx.db() as session:
            try:
                quote = await payoff.quote_payoff(
                    session, clock=ctx.clock, actor=ctx.actor, loan_id=uuid_of(loan_id, "Loan")
                )
            except DomainError:  # not yours, or not being repaid: as if it did not exist
                return None
        return LoanPayoffQuote.of(quote)

    @allow(SIGNED_IN)
    @strawberry.field(description="Your loans as a borrower, newest first.")
    async def my_loans(self, info: Info) -> list[Loan]:
        async with info.context.db() as session:
            rows = await my_loans(session, actor=info.context.actor)
        return [Loan.of(row) for row in rows]
