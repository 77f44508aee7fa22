"""A loan quote: validated terms in, dated schedule with totals and APR out (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from domain.errors import InvalidInput
from domain.lending.apr import annual_percentage_rate
from domain.lending.calendar import add_months, monthly_due_dates
from domain.lending.schedule import RepaymentMethod, RoundingMode, build_schedule, monthly_rate
from domain.money import Money, currency_of, parse_decimal, parse_money

T = TypeVar("T")

MAX_TERM_MONTHS = 600
MAX_RATE_DECIMALS = 8


class QuoteRejected(InvalidInput):
    """One or more fields of a quote request are invalid; `violations` lists each of them."""

    def __init__(self, violations: list[InvalidInput]) -> None:
        super().__init__("; ".join(v.message for v in violations), field=violations[0].field)
        self.violations = violations


@dataclass(frozen=True, slots=True)
class LoanTerms:
    principal: Money
    annual_rate: Decimal
    term_months: int
    method: RepaymentMethod
    rounding: RoundingMode
    first_due_date: date


@dataclass(frozen=True, slots=True)
class QuotedInstallment:
    number: int
    due_date: date
    principal: Money
    interest: Money
    total: Money
    remaining_principal: Money


@dataclass(frozen=True, slots=True)
class LoanQuote:
    terms: LoanTerms
    installments: list[QuotedInstallment]
    total_interest: Money
    total_payment: Money
    apr: Decimal


def loan_terms(
    *,
    principal: str,
    currency: str,
    annual_rate: str,
    term_months: int,
    method: RepaymentMethod,
    rounding: RoundingMode | None,
    first_due_date: date | None,
    today: date,
) -> LoanTerms:
    """Validate a quote request; raise QuoteRejected listing every invalid field."""
    violations: list[InvalidInput] = []

    def check(parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except InvalidInput as violation:
            violations.append(violation)
            return None

    money = check(lambda: _principal(principal, currency))
    rate = check(lambda: _annual_rate(annual_rate))
    check(lambda: _term(term_months))
    if first_due_date is not None and first_due_date <= today:
        violations.append(
            InvalidInput("first_due_date must be after today", field="first_due_date")
        )
    if violations or money is None or rate is None:
        raise QuoteRejected(violations)
    return LoanTerms(
        principal=money,
        annual_rate=rate,
        term_months=term_months,
        method=method,
        rounding=rounding or RoundingMode.HALF_UP,
        first_due_date=first_due_date or add_months(today, 1),
    )


def quote_loan(terms: LoanTerms) -> LoanQuote:
    """The full schedule, its totals and APR for validated terms."""
    currency = terms.principal.currency
    schedule = build_schedule(
        principal=terms.principal.minor,
        annual_rate=terms.annual_rate,
        term_months=terms.term_months,
        method=terms.method,
        rounding=terms.rounding,
    )
    due_dates = monthly_due_dates(terms.first_due_date, terms.term_months)
    installments = [
        QuotedInstallment(
            number=item.number,
            due_date=due,
            principal=Money(item.principal, currency),
            interest=Money(item.interest, currency),
            total=Money(item.total, currency),
            remaining_principal=Money(item.remaining_principal, currency),
        )
        for item, due in zip(schedule, due_dates, strict=True)
    ]
    total_interest = sum(item.interest for item in schedule)
    return LoanQuote(
        terms=terms,
        installments=installments,
        total_interest=Money(total_interest, currency),
        total_payment=Money(terms.principal.minor + total_interest, currency),
        apr=annual_percentage_rate(
            terms.principal.minor,
            [item.total for item in schedule],
            nominal_monthly_rate=monthly_rate(terms.annual_rate),
        ),
    )


def _principal(text: str, currency_code: str) -> Money:
    amount = parse_money(text, currency_of(currency_code), field="principal")
    if amount.minor <= 0:
        raise InvalidInput("principal must be greater than zero", field="principal")
    return amount


def _annual_rate(text: str) -> Decimal:
    rate = parse_decimal(text, field="annual_rate")
    if not Decimal(0) <= rate <= Decimal(1):
        raise InvalidInput(
            "annual_rate must be a fraction within 0..1 (0.0435 = 4.35 %)", field="annual_rate"
        )
    if -rate.as_tuple().exponent > MAX_RATE_DECIMALS:  # type: ignore[operator]
        raise InvalidInput(
            f"annual_rate allows at most {MAX_RATE_DECIMALS} decimals", field="annual_rate"
        )
    return rate


def _term(months: int) -> int:
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise InvalidInput(f"term_months must be within 1..{MAX_TERM_MONTHS}", field="term_months")
    return months
