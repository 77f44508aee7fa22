"""Funders' and the operator's views: portfolio, funded loans, repayments received, and the
book's quality by delinquency bucket."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.lending.overdue import DelinquencyBucket as Bucket
from domain.lending.services import portfolio as service
from domain.money import Money as DomainMoney
from domain.money import currency_of
from domain.participants.roles import Role, Scope
from graph.context import Info
from graph.lending.loans import Loan, LoanNote
from graph.money import Money
from graph.permissions import SIGNED_IN, allow
from graph.relay import to_global_id

strawberry.enum(Bucket, description="Days past due of the worst installment.")


@strawberry.type(description="What your notes add up to, in one currency.")
class Portfolio:
    outstanding_principal: Money
    interest_earned: Money = strawberry.field(description="Interest and penalty received.")
    expected_interest: Money = strawberry.field(description="Your share still scheduled.")
    overdue_principal: Money = strawberry.field(description="Outstanding on late loans.")
    notes: list[LoanNote]

    @classmethod
    def of(cls, found: service.Portfolio) -> Portfolio:
        def money(minor: int) -> Money:
            return Money.of(DomainMoney(minor, found.currency))

        return cls(
            outstanding_principal=money(found.outstanding_principal),
            interest_earned=money(found.interest_earned),
            expected_interest=money(found.expected_interest),
            overdue_principal=money(found.overdue_principal),
            notes=[LoanNote.of(n, found.currency) for n in found.notes],
        )


@strawberry.type(description="A loan a partner bank funds, with its note.")
class FundedLoan:
    loan: Loan
    note: LoanNote


@strawberry.enum(description="Who paid, and how: the borrower, or a cover on default.")
class RepaymentKind(Enum):
    MANUAL = strawberry.enum_value("MANUAL", description="The borrower repaid.")
    AUTO_DEBIT = strawberry.enum_value("AUTO_DEBIT", description="Debited from the borrower.")
    RECOVERY = strawberry.enum_value(
        "RECOVERY", description="The borrower repaid after the loan defaulted."
    )
    INSURANCE = strawberry.enum_value(
        "INSURANCE", description="An insurer's credit insurance paid on default."
    )
    GUARANTEE = strawberry.enum_value("GUARANTEE", description="A guarantor paid on default.")
    GUARANTEE_FUND = strawberry.enum_value(
        "GUARANTEE_FUND", description="The platform's guarantee fund paid on default."
    )


@strawberry.type(description="Your share of one repayment.")
class RepaymentShare:
    repayment_id: strawberry.ID
    loan_id: strawberry.ID
    kind: RepaymentKind
    principal: Money
    interest: Money = strawberry.field(description="Interest and penalty.")
    received_at: datetime


@strawberry.type
class BucketTotal:
    bucket: Bucket
    loans: int
    outstanding_principal: Money


@strawberry.type(description="Active loans of one risk grade: what they owe, and what is late.")
class GradeTotal:
    grade: str
    loans: int
    outstanding_principal: Money
    overdue_principal: Money = strawberry.field(description="Outstanding on installments past due.")
    late_loans: int = strawberry.field(description="Loans with an installment past due.")


@strawberry.type
class PortfolioQueries:
    @allow(SIGNED_IN, key=Scope.OFFERS_READ)
    @strawberry.field(description="Investors and banks: your notes and what they add up to.")
    async def portfolio(self, info: Info, currency: str = "CNY") -> Portfolio:
        currency_of(currency)
        async with info.context.db() as session:
            found = await service.portfolio(session, actor=info.context.actor, currency=currency)
        return Portfolio.of(found)

    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_READ)
    @strawberry.field(description="Partner banks: the loans you fund (offers:read).")
    async def funded_loans(self, info: Info) -> list[FundedLoan]:
        async with info.context.db() as session:
            rows = await service.funded_loans(session, actor=info.context.actor)
        return [
            FundedLoan(loan=Loan.of(loan), note=LoanNote.of(note, loan.currency))
            for loan, note in rows
        ]

    @allow(SIGNED_IN, key=Scope.OFFERS_READ)
    @strawberry.field(description="Funders: your shares of repayments, newest first.")
    async def repayments_received(self, info: Info) -> list[RepaymentShare]:
        async with info.context.db() as session:
            shares = await service.repayments_received(session, actor=info.context.actor)
        return [
            RepaymentShare(
                repayment_id=to_global_id("Repayment", s.repayment.id),
                loan_id=to_global_id("Loan", s.repayment.loan_id),
                kind=RepaymentKind(s.repayment.kind),
                principal=Money.of(DomainMoney(s.principal, s.currency)),
                interest=Money.of(DomainMoney(s.interest, s.currency)),
                received_at=s.repayment.created_at,
            )
            for s in shares
        ]

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: active loans by their worst delinquency bucket.")
    async def portfolio_quality(self, info: Info, currency: str = "CNY") -> list[BucketTotal]:
        currency_of(currency)
        async with info.context.db() as session:
            totals = await service.portfolio_quality(
                session, actor=info.context.actor, currency=currency
            )
        return [
            BucketTotal(
                bucket=t.bucket,
                loans=t.loans,
                outstanding_principal=Money.of(DomainMoney(t.outstanding_principal, currency)),
            )
            for t in totals
        ]

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: the book's quality by risk grade, best first.")
    async def book_quality_by_grade(self, info: Info, currency: str = "CNY") -> list[GradeTotal]:
        currency_of(currency)
        async with info.context.db() as session:
            totals = await service.book_by_grade(
                session, actor=info.context.actor, currency=currency
            )
        return [
            GradeTotal(
                grade=t.grade,
                loans=t.loans,
                outstanding_principal=Money.of(DomainMoney(t.outstanding_principal, currency)),
                overdue_principal=Money.of(DomainMoney(t.overdue_principal, currency)),
                late_loans=t.late_loans,
            )
            for t in totals
        ]
