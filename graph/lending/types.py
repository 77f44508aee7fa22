"""GraphQL types of the loan calculator; names are fixed by the client apps."""

import datetime
from enum import Enum

import strawberry

from domain.lending import quote as domain
from domain.lending import schedule
from graph.money import Money


@strawberry.enum(description="How a loan is repaid (DESIGN.md section 4).")
class RepaymentMethod(Enum):
    EQUAL_INSTALLMENT = "EQUAL_INSTALLMENT"
    EQUAL_PRINCIPAL = "EQUAL_PRINCIPAL"
    INTEREST_ONLY = "INTEREST_ONLY"
    BULLET = "BULLET"

    def to_domain(self) -> schedule.RepaymentMethod:
        return schedule.RepaymentMethod(self.value)


@strawberry.enum(description="How each computed amount is rounded to the minor unit.")
class RoundingMode(Enum):
    HALF_UP = "HALF_UP"
    HALF_EVEN = "HALF_EVEN"

    def to_domain(self) -> schedule.RoundingMode:
        return schedule.RoundingMode[self.name]


@strawberry.input(description="The loan to price; amounts and rates are decimal strings.")
class LoanQuoteInput:
    principal: str = strawberry.field(description='Amount lent, e.g. "10000.00".')
    currency: str = strawberry.field(description="ISO 4217 code, e.g. CNY.")
    annual_rate: str = strawberry.field(description='Nominal annual rate as a fraction: "0.0435".')
    term_months: int = strawberry.field(description="Number of monthly installments, 1..600.")
    method: RepaymentMethod
    rounding_mode: RoundingMode | None = strawberry.field(
        default=RoundingMode.HALF_UP, description="HALF_UP unless given."
    )
    first_due_date: datetime.date | None = strawberry.field(
        default=None, description="Due date of installment 1; a month from today unless given."
    )


@strawberry.type
class Installment:
    number: int
    due_date: datetime.date
    principal: Money
    interest: Money
    total: Money
    remaining_principal: Money = strawberry.field(description="Still owed after this one.")

    @classmethod
    def of(cls, item: domain.QuotedInstallment) -> "Installment":
        return cls(
            number=item.number,
            due_date=item.due_date,
            principal=Money.of(item.principal),
            interest=Money.of(item.interest),
            total=Money.of(item.total),
            remaining_principal=Money.of(item.remaining_principal),
        )


@strawberry.type(description="A priced loan: its schedule, totals and APR.")
class LoanQuote:
    installments: list[Installment]
    total_interest: Money
    total_payment: Money
    apr: str = strawberry.field(
        description='Annual percentage rate as a fraction with 4 decimals, e.g. "0.0435": '
        "twelve times the monthly internal rate of return of the schedule."
    )

    @classmethod
    def of(cls, quote: domain.LoanQuote) -> "LoanQuote":
        return cls(
            installments=[Installment.of(item) for item in quote.installments],
            total_interest=Money.of(quote.total_interest),
            total_payment=Money.of(quote.total_payment),
            apr=str(quote.apr),
        )
