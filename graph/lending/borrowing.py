"""Borrowers: apply for a loan, see the decision and offer, accept it (the loan is listed)."""

from __future__ import annotations

from dataclasses import field
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import today
from domain.errors import DomainError
from domain.lending import tables
from domain.lending.services import applications
from domain.lending.services.offer import loan_offer
from domain.lending.states import ApplicationStatus
from domain.money import currency_of, parse_money
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.lending.applications import LoanApplication
from graph.lending.loans import Loan
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import uuid_of


@strawberry.input
class ApplyForLoanInput:
    product_id: strawberry.ID
    amount: str = strawberry.field(description='Decimal string, "10000.00".')
    currency: str
    term_months: int
    purpose: str
    declared_monthly_income: str = strawberry.field(description="Monthly, in the same currency.")
    buy_credit_cover: bool = strawberry.field(
        default=False,
        description="Choose now to buy the credit insurance the product's cover offer sells "
        "(bought when the offer is accepted, its premium from the proceeds at disbursement). "
        "COVER_NOT_OFFERED if it sells none.",
    )


@strawberry.type
class LoanApplicationPayload:
    application: LoanApplication | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class AcceptLoanOfferPayload(IdempotentPayload):
    loan: Loan | None = None
    errors: list[UserError] = field(default_factory=list)


async def application_view(
    session: AsyncSession, info: Info, row: tables.LoanApplication
) -> LoanApplication:
    """The application with its offer priced as of today, while it is APPROVED."""
    offer = None
    if row.status == ApplicationStatus.APPROVED.value:
        product = await session.get(tables.LoanProductRow, row.product_id)
        assert product is not None
        offer = loan_offer(row, product, today=today(info.context.clock))
    return LoanApplication.of(row, offer)


@strawberry.type
class BorrowingMutations:
    @allow(Role.BORROWER)
    @strawberry.mutation(
        description="Borrowers (KYC verified): apply; the decision comes back at once with "
        "its reasons, and an offer if approved."
    )
    @in_unit_of_work
    async def apply_for_loan(
        self, info: Info, session: AsyncSession, input: ApplyForLoanInput
    ) -> LoanApplicationPayload:
        ctx = info.context
        currency = currency_of(input.currency)
        row = await applications.apply_for_loan(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            product_id=uuid_of(input.product_id, "LoanProduct"),
            amount=parse_money(input.amount, currency, field="amount"),
            term_months=input.term_months,
            purpose=input.purpose,
            declared_monthly_income=parse_money(
                input.declared_monthly_income, currency, field="declared_monthly_income"
            ).minor,
            buy_credit_cover=input.buy_credit_cover,
        )
        return LoanApplicationPayload(application=await application_view(session, info, row))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Borrowers: accept an approved offer; the loan is listed for funding and "
        "matched against partner banks' offers and investors' rules at once."
    )
    @in_unit_of_work
    async def accept_loan_offer(
        self,
        info: Info,
        session: AsyncSession,
        application_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
        buy_credit_cover: Annotated[
            bool,
            strawberry.argument(
                description="Buy the credit insurance the product's cover offer sells (its "
                "premium from the loan's proceeds at disbursement); a product whose offer "
                "requires it sells it anyway, and so does a choice made at applyForLoan. "
                "COVER_NOT_OFFERED if it sells none."
            ),
        ] = False,
    ) -> AcceptLoanOfferPayload:
        ctx = info.context
        loan = await applications.accept_loan_offer(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            application_id=uuid_of(application_id, "LoanApplication"),
            idempotency_key=idempotency_key,
            buy_credit_cover=buy_credit_cover,
        )
        return AcceptLoanOfferPayload(loan=Loan.of(loan))


@strawberry.type
class BorrowingQueries:
    @allow(SIGNED_IN, looks_missing=True)
    @strawberry.field(description="An application you made (operators: any), or null.")
    async def loan_application(self, info: Info, id: strawberry.ID) -> LoanApplication | None:
        async with info.context.db() as session:
            try:
                row = await applications.own_application(
                    session, info.context.actor, uuid_of(id, "LoanApplication")
                )
            except DomainError:  # anonymous or not yours: as if it did not exist
                return None
            return await application_view(session, info, row)
