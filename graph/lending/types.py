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


@strawberry.type(
    description="A quote's whole schedule as columns, one list per field, each in installment "
    "order: the table at a fraction of `installments`' cost (one value per cell, no objects)."
)
class QuoteSchedule:
    currency: str = strawberry.field(description="ISO 4217 code of every amount.")
    number: list[int]
    due_date: list[datetime.date]
    principal: list[str] = strawberry.field(description="Decimal strings, as Money.amount.")
    interest: list[str]
    total: list[str]
    remaining_principal: list[str] = strawberry.field(description="Still owed after each one.")

    @classmethod
    def of(cls, items: list[domain.QuotedInstallment], currency: str) -> "QuoteSchedule":
        return cls(
            currency=currency,
            number=[item.number for item in items],
            due_date=[item.due_date for item in items],
            principal=[item.principal.to_decimal_string() for item in items],
            interest=[item.interest.to_decimal_string() for item in items],
            total=[item.total.to_decimal_string() for item in items],
            remaining_principal=[item.remaining_principal.to_decimal_string() for item in items],
        )


@strawberry.type(description="A priced loan: its schedule, totals and APR.")
class LoanQuote:
    """Built from the domain's quote as the selection asks: a 360-month schedule's 1,800
    GraphQL objects are made only when `installments` is selected."""

    quote: strawberry.Private[domain.LoanQuote]

    @strawberry.field
    def installments(self) -> list[Installment]:
        return [Installment.of(item) for item in self.quote.installments]

    @strawberry.field(
        description="The same schedule as `installments`, as columns: for clients that "
        "want the whole table."
    )
    def schedule(self) -> QuoteSchedule:
        return QuoteSchedule.of(self.quote.installments, self.quote.total_payment.currency)

    @strawberry.field
    def total_interest(self) -> Money:
        return Money.of(self.quote.total_interest)

    @strawberry.field
    def total_payment(self) -> Money:
        return Money.of(self.quote.total_payment)

    @strawberry.field(
        description='Annual percentage rate as a fraction with 4 decimals, e.g. "0.0435": '
        "twelve times the monthly internal rate of return of the schedule."
    )
    def apr(self) -> str:
        return str(self.quote.apr)

    @classmethod
    def of(cls, quote: domain.LoanQuote) -> "LoanQuote":
        return cls(quote=quote)
