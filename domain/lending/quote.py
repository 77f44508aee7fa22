"""A loan quote: validated terms in, dated schedule with totals and APR out (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import InputRejected, InvalidInput, Violations
from domain.lending.apr import annual_percentage_rate
from domain.lending.calendar import monthly_due_dates
from domain.lending.schedule import (
    MAX_TERM_MONTHS,
    RepaymentMethod,
    RoundingMode,
    build_schedule,
    monthly_rate,
)
from domain.money import Currency, Money, currency_of, parse_decimal, parse_money

MAX_RATE_DECIMALS = 8


class QuoteRejected(InputRejected):
    """One or more fields of a quote request are invalid."""


@dataclass(frozen=True, slots=True)
class LoanTerms:
    principal: Money
    annual_rate: Decimal
    term_months: int
    method: RepaymentMethod
    rounding: RoundingMode
    due_dates: tuple[date, ...]  # one per installment

    @property
    def first_due_date(self) -> date:
        return self.due_dates[0]


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
    violations = Violations()
    known_currency = violations.check(currency_of, currency)
    money = violations.check(_principal, principal, known_currency)
    rate = violations.check(_annual_rate, annual_rate)
    violations.check(_term, term_months)
    if first_due_date is not None and first_due_date <= today:
        violations.add("must be after today", field="first_due_date")
    due_dates = violations.check(_due_dates, first_due_date, today, term_months)
    violations.raise_if_any(QuoteRejected)
    assert money is not None
    assert rate is not None
    assert due_dates is not None
    return LoanTerms(
        principal=money,
        annual_rate=rate,
        term_months=term_months,
        method=method,
        rounding=rounding or RoundingMode.HALF_UP,
        due_dates=due_dates,
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
    installments = [
        QuotedInstallment(
            number=item.number,
            due_date=due,
            principal=Money(item.principal, currency),
            interest=Money(item.interest, currency),
            total=Money(item.total, currency),
            remaining_principal=Money(item.remaining_principal, currency),
        )
        for item, due in zip(schedule, terms.due_dates, strict=True)
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


def _principal(text: str, currency: Currency | None) -> Money | None:
    """The principal; with an unknown currency only its form and sign can be judged."""
    if currency is None:
        value = parse_decimal(text, field="principal")
        amount = None
    else:
        amount = parse_money(text, currency, field="principal")
        value = Decimal(amount.minor)
    if value <= 0:
        raise InvalidInput("must be greater than zero", field="principal")
    return amount


def _annual_rate(text: str) -> Decimal:
    rate = parse_decimal(text, field="annual_rate")
    if not Decimal(0) <= rate <= Decimal(1):
        raise InvalidInput("must be a fraction within 0..1 (0.0435 = 4.35 %)", field="annual_rate")
    if -rate.as_tuple().exponent > MAX_RATE_DECIMALS:  # type: ignore[operator]
        raise InvalidInput(f"allows at most {MAX_RATE_DECIMALS} decimals", field="annual_rate")
    return rate


def _due_dates(first: date | None, today: date, months: int) -> tuple[date, ...]:
    """Monthly due dates from `first` (default: a month from today, keeping today's day)."""
    if not 1 <= months <= MAX_TERM_MONTHS:
        return ()  # the term is reported on its own
    try:
        if first is None:
            return tuple(monthly_due_dates(today, months, months_to_first=1))
        return tuple(monthly_due_dates(first, months))
    except (ValueError, OverflowError):  # past year 9999
        raise InvalidInput(
            "puts the schedule beyond the calendar", field="first_due_date"
        ) from None


def _term(months: int) -> int:
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise InvalidInput(f"must be within 1..{MAX_TERM_MONTHS}", field="term_months")
    return months
