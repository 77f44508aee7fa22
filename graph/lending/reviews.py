"""Operators: decide the loan applications the fraud rules referred to REVIEW."""

from __future__ import annotations

from dataclasses import field
from enum import Enum

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.services.reviews import decide_loan_review
from domain.participants.roles import Role
from graph.context import Info
from graph.errors import UserError
from graph.lending.applications import LoanApplication
from graph.lending.borrowing import application_view
from graph.payloads import in_unit_of_work
from graph.permissions import allow
from graph.relay import uuid_of


@strawberry.enum(description="What the reviewer decides on a referred application.")
class LoanReviewDecision(Enum):
    APPROVE = "APPROVE"  # the engine's offer stands; the borrower may accept it
    DECLINE = "DECLINE"


@strawberry.input
class DecideLoanReviewInput:
    application_id: strawberry.ID
    decision: LoanReviewDecision
    reason: str = strawberry.field(
        description="Why, in at most 500 characters: the borrower reads it."
    )


@strawberry.type
class DecideLoanReviewPayload:
    application: LoanApplication | None = None
    errors: list[UserError] = field(default_factory=list)


@strawberry.type
class ReviewMutations:
    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: approve or decline an application in REVIEW; approved, the "
        "borrower may accept the offer the risk engine priced."
    )
    @in_unit_of_work
    async def decide_loan_review(
        self, info: Info, session: AsyncSession, input: DecideLoanReviewInput
    ) -> DecideLoanReviewPayload:
        ctx = info.context
        row = await decide_loan_review(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            application_id=uuid_of(input.application_id, "LoanApplication"),
            approve=input.decision is LoanReviewDecision.APPROVE,
            reason=input.reason,
        )
        return DecideLoanReviewPayload(application=await application_view(session, info, row))
