"""Loans as clients see them: the listing, its schedule and its notes (read in batches)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry

from domain.actors import Actor
from domain.lending import tables
from domain.lending.services.reads import (
    installments_of_loans,
    matches_of_loans,
    notes_of_loans,
    products_by_id,
)
from domain.money import Money as DomainMoney
from graph.advertising.promotion import Promotable
from graph.context import Info
from graph.lending.inputs import LoanGrade, rate_text
from graph.lending.types import RepaymentMethod
from graph.loaders import loader
from graph.money import Money
from graph.relay import Node, to_global_id


def _money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


@strawberry.type(description="One scheduled installment and what has been paid of it.")
class LoanInstallment:
    number: int
    due_date: date
    principal: Money
    interest: Money
    fees: Money
    penalty: Money = strawberry.field(description="Penalty interest accrued while overdue.")
    paid: Money = strawberry.field(description="Paid so far, all components.")
    outstanding: Money
    days_past_due: int
    bucket: str = strawberry.field(
        description="CURRENT, DPD_1_30, DPD_31_60, DPD_61_90, DPD_90_PLUS."
    )
    paid_at: datetime | None

    @classmethod
    def of(cls, row: tables.LoanInstallment, currency: str) -> LoanInstallment:
        due = row.principal_due + row.interest_due + row.fee_due + row.penalty_accrued
        paid = row.principal_paid + row.interest_paid + row.fee_paid + row.penalty_paid
        return cls(
            number=row.number,
            due_date=row.due_date,
            principal=_money(row.principal_due, currency),
            interest=_money(row.interest_due, currency),
            fees=_money(row.fee_due, currency),
            penalty=_money(row.penalty_accrued, currency),
            paid=_money(paid, currency),
            outstanding=_money(due - paid, currency),
            days_past_due=row.days_past_due,
            bucket=row.bucket,
            paid_at=row.paid_at,
        )


@strawberry.type(description="A funder's claim on a loan.")
class LoanNote(Node):
    id: strawberry.ID
    funder_kind: str = strawberry.field(description="INVESTOR, BANK or PLATFORM (its own book).")
    status: str = strawberry.field(description="HELD, ACTIVE, RELEASED, SOLD, CLOSED or DEFAULTED.")
    principal: Money
    annual_rate: str
    principal_received: Money
    interest_received: Money
    created_at: datetime

    @classmethod
    def of(cls, row: tables.LoanNote, currency: str) -> LoanNote:
        return cls(
            id=to_global_id("LoanNote", row.id),
            funder_kind=row.funder_kind,
            status=row.status,
            principal=_money(row.principal, currency),
            annual_rate=rate_text(row.annual_rate) or "0",
            principal_received=_money(row.principal_received, currency),
            interest_received=_money(row.interest_received, currency),
            created_at=row.created_at,
        )


@strawberry.type(description="How many sources the engine passed over for one reason.")
class PassedOver:
    reason: str = strawberry.field(description="The engine's code, e.g. GRADE_NOT_ACCEPTED.")
    count: int


@strawberry.type(description="Why the matching engine chose a source for a loan.")
class MatchExplanation:
    rule: str = strawberry.field(description="How sources are ranked.")
    rank: int = strawberry.field(description="The source's place in that order (1 = first).")
    asking_rate: str
    passed_over: list[PassedOver] = strawberry.field(
        description="Sources refused, by reason: those the engine read before the loan was "
        "filled, and every open offer or active rule that cannot take this loan at all "
        "(currency, grade, term, expiry, no room left, asking more than it pays). With the "
        "matches and notConsidered, every source is counted once."
    )
    not_considered: int = strawberry.field(
        description="Sources that could take the loan but were left unread once it was "
        "filled (they ask more, or came later)."
    )
    unfilled: Money = strawberry.field(description="What the engine left for others to fund.")


@strawberry.type(description="A fill the matching engine chose for a loan, and why.")
class LoanMatch(Node):
    id: strawberry.ID
    source_kind: str = strawberry.field(description="BANK_OFFER, AUTO_INVEST or PLATFORM_BOOK.")
    amount: Money
    annual_rate: str = strawberry.field(description="What this funder earns, annual.")
    yours: bool = strawberry.field(description="You are this match's funder.")
    explanation: MatchExplanation
    created_at: datetime

    @classmethod
    def of(cls, row: tables.LoanMatch, currency: str, viewer: UUID | None) -> LoanMatch:
        why = row.explanation
        explanation = MatchExplanation(
            rule=why.get("rule", ""),
            rank=why.get("rank", 0),
            asking_rate=why.get("asking_rate", rate_text(row.annual_rate) or "0"),
            passed_over=[
                PassedOver(reason=code, count=count)
                for code, count in why.get("passed_over", {}).items()
            ],
            not_considered=why.get("not_considered", 0),
            unfilled=_money(why.get("unfilled", 0), currency),
        )
        return cls(
            id=to_global_id("LoanMatch", row.id),
            source_kind=row.source_kind,
            amount=_money(row.amount, currency),
            annual_rate=rate_text(row.annual_rate) or "0",
            yours=viewer == row.funder_id,
            explanation=explanation,
            created_at=row.created_at,
        )


@strawberry.type(description="A loan: listed for funding, then repaid on its schedule.")
class Loan(Node, Promotable):
    row: strawberry.Private[tables.Loan]
    id: strawberry.ID
    state: str = strawberry.field(
        description="LISTED, FUNDED, ACTIVE, CLOSED, DEFAULTED or EXPIRED."
    )
    grade: LoanGrade
    principal: Money
    committed: Money = strawberry.field(description="Promised by funders so far.")
    remaining: Money = strawberry.field(description="Still to fund.")
    term_months: int
    repayment_method: RepaymentMethod
    borrower_rate: str = strawberry.field(description="What the borrower pays, annual.")
    note_rate: str = strawberry.field(description="What note holders earn, annual.")
    listed_at: datetime
    funding_deadline: datetime

    @classmethod
    def of(cls, row: tables.Loan) -> Loan:
        currency = row.currency
        return cls(
            row=row,
            id=to_global_id("Loan", row.id),
            state=row.state,
            grade=LoanGrade(row.grade),
            principal=_money(row.principal, currency),
            committed=_money(row.committed, currency),
            remaining=_money(row.principal - row.committed, currency),
            term_months=row.term_months,
            repayment_method=RepaymentMethod(row.repayment_method),
            borrower_rate=rate_text(row.borrower_rate) or "0",
            note_rate=rate_text(row.funder_rate) or "0",
            listed_at=row.listed_at,
            funding_deadline=row.funding_deadline,
        )

    @strawberry.field(description="Investors buy whole notes of this size.")
    async def note_size(self, info: Info) -> Money:
        product = await loader(info, "loan_products", products_by_id).load(self.row.product_id)
        assert product is not None
        return _money(product.note_size, self.row.currency)

    @strawberry.field(description="The least one purchase may be.")
    async def min_investment(self, info: Info) -> Money:
        product = await loader(info, "loan_products", products_by_id).load(self.row.product_id)
        assert product is not None
        return _money(product.min_investment, self.row.currency)

    @strawberry.field(description="The repayment schedule, once the loan is disbursed.")
    async def installments(self, info: Info) -> list[LoanInstallment]:
        rows = await loader(info, "loan_installments", installments_of_loans).load(self.row.id)
        return [LoanInstallment.of(row, self.row.currency) for row in rows]

    @strawberry.field(description="The first installment not yet paid, if any.")
    async def next_due(self, info: Info) -> LoanInstallment | None:
        rows = await loader(info, "loan_installments", installments_of_loans).load(self.row.id)
        unpaid = next((row for row in rows if row.paid_at is None), None)
        return None if unpaid is None else LoanInstallment.of(unpaid, self.row.currency)

    @strawberry.field(description="Funders' notes (each holder sees the loan's, not who).")
    async def notes(self, info: Info) -> list[LoanNote]:
        rows = await loader(info, "loan_notes", notes_of_loans).load(self.row.id)
        return [LoanNote.of(row, self.row.currency) for row in rows]

    @strawberry.field(
        description="The matching engine's fills and their explanations: all of them for the "
        "borrower and the operator, a funder's own for a funder, none for anyone else."
    )
    async def matches(self, info: Info) -> list[LoanMatch]:
        rows = await loader(info, "loan_matches", matches_of_loans).load(self.row.id)
        return shown_matches(info.context.actor, self.row, rows)


def shown_matches(actor: Actor, loan: tables.Loan, rows: list[tables.LoanMatch]) -> list[LoanMatch]:
    """The matches of `loan` the caller may see: all for its borrower and the operator, a
    funder's own for a funder, none for anyone else."""
    if actor.participant_id is None and not actor.is_operator:
        return []
    everyone = actor.may_see(loan.borrower_id)
    viewer = actor.participant_id
    return [
        LoanMatch.of(row, loan.currency, viewer)
        for row in rows
        if everyone or row.funder_id == viewer
    ]
