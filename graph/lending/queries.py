"""`quoteLoan`: the loan calculator the mobile apps show before anyone applies."""

import strawberry

from domain.clock import today
from domain.lending.quote import loan_terms, quote_loan
from graph.context import Info
from graph.lending.types import LoanQuote, LoanQuoteInput
from graph.permissions import ANYONE, allow


@strawberry.type
class LendingQueries:
    @allow(ANYONE)
    @strawberry.field(
        description="Price a loan: installments, totals and APR. Invalid fields are reported "
        "as an INVALID_INPUT error naming each of them."
    )
    def quote_loan(self, info: Info, input: LoanQuoteInput) -> LoanQuote:
        terms = loan_terms(
            principal=input.principal,
            currency=input.currency,
            annual_rate=input.annual_rate,
            term_months=input.term_months,
            method=input.method.to_domain(),
            rounding=input.rounding_mode.to_domain() if input.rounding_mode else None,
            first_due_date=input.first_due_date,
            today=today(info.context.clock),
        )
        return LoanQuote.of(quote_loan(terms))
