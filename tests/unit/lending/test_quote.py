"""Loan quotes: every invalid field is named; valid terms give a dated schedule with totals."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.lending.calendar import add_months
from domain.lending.quote import LoanTerms, QuoteRejected, loan_terms, quote_loan
from domain.lending.schedule import RepaymentMethod, RoundingMode
from domain.money import Money
from support.examples import examples

TODAY = date(2024, 1, 15)


def make_terms(**overrides: Any) -> LoanTerms:
    request: dict[str, Any] = {
        "principal": "10000.00",
        "currency": "CNY",
        "annual_rate": "0.0435",
        "term_months": 12,
        "method": RepaymentMethod.EQUAL_INSTALLMENT,
        "rounding": None,
        "first_due_date": None,
        "today": TODAY,
    }
    request.update(overrides)
    return loan_terms(**request)


def rejected_fields(**overrides: Any) -> list[str]:
    with pytest.raises(QuoteRejected) as rejected:
        make_terms(**overrides)
    return [str(violation.field) for violation in rejected.value.violations]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"principal": "0"}, "principal"),
        ({"principal": "0.00"}, "principal"),
        ({"principal": "-100.00"}, "principal"),
        ({"principal": "ten thousand"}, "principal"),
        ({"principal": "1e4"}, "principal"),
        ({"principal": ""}, "principal"),
        ({"principal": "100.001"}, "principal"),
        ({"principal": "100.5", "currency": "JPY"}, "principal"),
        ({"principal": "10000000000000.01"}, "principal"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "cny"}, "currency"),
        ({"annual_rate": "-0.01"}, "annual_rate"),
        ({"annual_rate": "1.00000001"}, "annual_rate"),
        ({"annual_rate": "4.35"}, "annual_rate"),
        ({"annual_rate": "0.123456789"}, "annual_rate"),
        ({"annual_rate": "4.35%"}, "annual_rate"),
        ({"annual_rate": "NaN"}, "annual_rate"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": -12}, "term_months"),
        ({"term_months": 601}, "term_months"),
        ({"first_due_date": TODAY}, "first_due_date"),
        ({"first_due_date": date(2024, 1, 14)}, "first_due_date"),
    ],
)
def test_each_invalid_field_is_named(overrides: dict[str, Any], field: str) -> None:
    assert rejected_fields(**overrides) == [field]


def test_a_rejected_quote_is_invalid_input_on_its_first_field() -> None:
    # given / when
    with pytest.raises(InvalidInput) as rejected:
        make_terms(annual_rate="2", term_months=0)

    # then
    assert isinstance(rejected.value, QuoteRejected)
    assert rejected.value.code == "INVALID_INPUT"
    assert rejected.value.field == "annual_rate"
    assert "annual_rate" in rejected.value.message
    assert "term_months" in rejected.value.message


def test_every_invalid_field_is_listed_at_once() -> None:
    # given / when
    fields = rejected_fields(
        principal="-1",
        annual_rate="1.5",
        term_months=601,
        first_due_date=TODAY,
    )

    # then
    assert sorted(fields) == ["annual_rate", "first_due_date", "principal", "term_months"]


@pytest.mark.parametrize("principal", ["-1", "abc", "0"])
def test_an_unknown_currency_does_not_hide_a_bad_principal(principal: str) -> None:
    assert sorted(rejected_fields(principal=principal, currency="XXX")) == [
        "currency",
        "principal",
    ]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"annual_rate": "0"}, Decimal(0)),
        ({"annual_rate": "1"}, Decimal(1)),
        ({"annual_rate": "0.12345678"}, Decimal("0.12345678")),
        ({"term_months": 1}, Decimal("0.0435")),
        ({"term_months": 600}, Decimal("0.0435")),
        ({"principal": "0.01"}, Decimal("0.0435")),
        ({"principal": "10000000000000.00"}, Decimal("0.0435")),
    ],
)
def test_the_edges_of_each_range_are_accepted(overrides: dict[str, Any], expected: Decimal) -> None:
    assert make_terms(**overrides).annual_rate == expected


def test_a_good_request_defaults_to_half_up_and_a_first_due_date_a_month_out() -> None:
    # given / when
    terms = make_terms()

    # then
    assert terms == LoanTerms(
        principal=Money(1_000_000, "CNY"),
        annual_rate=Decimal("0.0435"),
        term_months=12,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        rounding=RoundingMode.HALF_UP,
        due_dates=tuple(date(2024 + (m // 12), m % 12 + 1, 15) for m in range(1, 13)),
    )
    assert terms.first_due_date == date(2024, 2, 15)


def test_default_due_dates_keep_todays_day_of_month() -> None:
    # given a loan quoted on Jan 31 with no first due date (counterexample from review:
    # the schedule used to anchor on the clamped Feb 29 and drift to the 29th)
    terms = make_terms(today=date(2024, 1, 31), term_months=4)

    # then
    assert terms.due_dates == (
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    )


@pytest.mark.parametrize(
    ("today", "first_due_date"),
    [(date(2024, 1, 31), date(2024, 2, 29)), (date(2024, 12, 31), date(2025, 1, 31))],
)
def test_the_default_first_due_date_is_clamped_to_the_next_month(
    today: date, first_due_date: date
) -> None:
    assert make_terms(today=today).first_due_date == first_due_date


def test_explicit_rounding_and_first_due_date_are_kept() -> None:
    # given / when
    terms = make_terms(rounding=RoundingMode.HALF_EVEN, first_due_date=date(2024, 1, 16))

    # then
    assert terms.rounding is RoundingMode.HALF_EVEN
    assert terms.first_due_date == date(2024, 1, 16)


def test_quote_of_10000_cny_at_4_35_percent_over_12_months() -> None:
    # given: 853.10 a month, 853.09 last, 237.19 interest (see test_schedule.py)
    terms = make_terms()

    # when
    quote = quote_loan(terms)

    # then
    assert [item.total for item in quote.installments] == [Money(85_310, "CNY")] * 11 + [
        Money(85_309, "CNY")
    ]
    assert quote.total_interest == Money(23_719, "CNY")
    assert quote.total_payment == Money(1_023_719, "CNY")
    assert quote.apr == Decimal("0.0435")
    assert [item.due_date for item in quote.installments] == [
        date(2024, month, 15) for month in range(2, 13)
    ] + [date(2025, 1, 15)]
    assert quote.installments[-1].remaining_principal == Money(0, "CNY")


def test_bullet_quote_shows_its_lower_apr() -> None:
    # given
    terms = make_terms(method=RepaymentMethod.BULLET)

    # when
    quote = quote_loan(terms)

    # then
    assert quote.total_payment == Money(1_043_500, "CNY")
    assert quote.apr == Decimal("0.0427")


@settings(max_examples=examples(40))
@given(
    principal_minor=st.integers(min_value=1, max_value=10**13),
    rate_units=st.integers(min_value=0, max_value=10**8),
    term_months=st.integers(min_value=1, max_value=120),
    method=st.sampled_from(RepaymentMethod),
    rounding=st.sampled_from(RoundingMode),
    first_due_date=st.dates(min_value=date(2024, 1, 16), max_value=date(2030, 12, 31)),
)
def test_quote_totals_add_up_and_installments_fall_due_monthly(
    principal_minor: int,
    rate_units: int,
    term_months: int,
    method: RepaymentMethod,
    rounding: RoundingMode,
    first_due_date: date,
) -> None:
    # given
    terms = make_terms(
        principal=Money(principal_minor, "CNY").to_decimal_string(),
        annual_rate=format(Decimal(rate_units).scaleb(-8), "f"),  # 0.00000000 … 1.00000000
        term_months=term_months,
        method=method,
        rounding=rounding,
        first_due_date=first_due_date,
    )

    # when
    quote = quote_loan(terms)

    # then
    principal = Money(principal_minor, "CNY")
    assert quote.total_payment == principal + quote.total_interest
    assert quote.total_interest == sum(
        (item.interest for item in quote.installments), Money.zero("CNY")
    )
    assert sum((item.principal for item in quote.installments), Money.zero("CNY")) == principal
    assert [item.number for item in quote.installments] == list(range(1, term_months + 1))
    assert [item.due_date for item in quote.installments] == [
        add_months(first_due_date, n) for n in range(term_months)
    ]
    assert all(item.total == item.principal + item.interest for item in quote.installments)
    assert quote.apr >= 0
