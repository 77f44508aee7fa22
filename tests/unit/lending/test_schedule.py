"""Repayment schedules (DESIGN.md section 4): exact to the minor unit for every method.

The expected amounts are computed here independently of domain/lending/schedule.py: the
properties use exact rational arithmetic (`fractions.Fraction`) as the oracle, the known
values were worked out by hand and with a separate Decimal computation (sources in comments).
"""

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from domain.lending.schedule import (
    RepaymentMethod,
    RoundingMode,
    ScheduledInstallment,
    build_schedule,
)
from support.examples import examples

EQUAL_INSTALLMENT = RepaymentMethod.EQUAL_INSTALLMENT
EQUAL_PRINCIPAL = RepaymentMethod.EQUAL_PRINCIPAL
INTEREST_ONLY = RepaymentMethod.INTEREST_ONLY
BULLET = RepaymentMethod.BULLET
HALF_UP = RoundingMode.HALF_UP
HALF_EVEN = RoundingMode.HALF_EVEN

principals = st.integers(min_value=1, max_value=10**13)
# 0 and 1 exactly, and rates written with 0..8 decimals ("0.5", "0.0435", "0.12345678").
annual_rates = st.one_of(
    st.sampled_from([Decimal(0), Decimal(1)]),
    st.integers(min_value=0, max_value=8).flatmap(
        lambda decimals: st.integers(min_value=0, max_value=10**decimals).map(
            lambda units: Decimal(units).scaleb(-decimals)
        )
    ),
)
short_terms = st.integers(min_value=1, max_value=60)
any_terms = st.integers(min_value=1, max_value=600)
methods = st.sampled_from(RepaymentMethod)
roundings = st.sampled_from(RoundingMode)


def make_schedule(
    *,
    principal: int = 1_000_000,
    annual_rate: str | Decimal = "0.0435",
    term_months: int = 12,
    method: RepaymentMethod = EQUAL_INSTALLMENT,
    rounding: RoundingMode = HALF_UP,
) -> list[ScheduledInstallment]:
    return build_schedule(
        principal=principal,
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        method=method,
        rounding=rounding,
    )


def exact_round(value: Fraction, rounding: RoundingMode) -> int:
    """The oracle's rounding of a non-negative exact value to a whole minor unit."""
    if rounding is HALF_EVEN:
        return round(value)  # Fraction.__round__ is exact banker's rounding
    return math.floor(value + Fraction(1, 2))


def exact_monthly_rate(annual_rate: Decimal) -> Fraction:
    return Fraction(annual_rate) / 12


def balances_before(principal: int, schedule: list[ScheduledInstallment]) -> list[int]:
    """The principal owed at the start of each period."""
    return [principal] + [item.remaining_principal for item in schedule[:-1]]


# --- invariants of every schedule ------------------------------------------------------------


@settings(max_examples=examples(150))
@given(principals, annual_rates, any_terms, methods, roundings)
@example(1, Decimal(1), 600, EQUAL_INSTALLMENT, HALF_UP)
@example(10**13, Decimal(1), 600, EQUAL_INSTALLMENT, HALF_EVEN)
@example(10**13, Decimal(0), 600, EQUAL_PRINCIPAL, HALF_UP)
@example(7, Decimal("0.12345678"), 600, BULLET, HALF_EVEN)
def test_principal_is_repaid_exactly_and_balances_run_down_to_zero(
    principal: int,
    annual_rate: Decimal,
    term_months: int,
    method: RepaymentMethod,
    rounding: RoundingMode,
) -> None:
    # given / when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=method,
        rounding=rounding,
    )

    # then
    assert [item.number for item in schedule] == list(range(1, term_months + 1))
    assert sum(item.principal for item in schedule) == principal
    assert all(item.principal >= 0 and item.interest >= 0 for item in schedule)
    assert all(item.total == item.principal + item.interest >= 0 for item in schedule)
    owed = principal
    for item in schedule:
        owed -= item.principal
        assert item.remaining_principal == owed
    assert schedule[-1].remaining_principal == 0


@settings(max_examples=examples(120))
@given(
    principals,
    annual_rates,
    short_terms,
    st.sampled_from([EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_ONLY]),
    roundings,
)
def test_interest_is_the_rounded_monthly_rate_on_the_balance_owed(
    principal: int,
    annual_rate: Decimal,
    term_months: int,
    method: RepaymentMethod,
    rounding: RoundingMode,
) -> None:
    # given
    rate = exact_monthly_rate(annual_rate)

    # when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=method,
        rounding=rounding,
    )

    # then
    for owed, item in zip(balances_before(principal, schedule), schedule, strict=True):
        assert item.interest == exact_round(owed * rate, rounding)


@st.composite
def balances_with_half_unit_interest(draw: st.DrawFn) -> tuple[int, Decimal]:
    """A balance and an 8-decimal annual rate whose monthly interest ends in exactly .5."""
    units = draw(st.integers(min_value=1, max_value=10**8))  # rate = units / 10^8
    # balance · units / (12 · 10^8) = k + 1/2  <=>  balance · units = (2k + 1) · 6 · 10^8
    common = math.gcd(units, 6 * 10**8)
    assume((units // common) % 2 == 1)
    step = 6 * 10**8 // common
    odd = 2 * draw(st.integers(min_value=0, max_value=10**13 // step // 2 - 1)) + 1
    return step * odd, Decimal(units).scaleb(-8)


@settings(max_examples=examples(150))
@given(balances_with_half_unit_interest(), roundings)
@example((600, Decimal("0.13")), HALF_UP)
def test_interest_of_exactly_half_a_minor_unit_is_rounded_by_the_mode(
    balance_and_rate: tuple[int, Decimal], rounding: RoundingMode
) -> None:
    # given
    balance, annual_rate = balance_and_rate
    interest = balance * exact_monthly_rate(annual_rate)
    assert interest.denominator == 2

    # when
    (installment,) = make_schedule(
        principal=balance,
        annual_rate=annual_rate,
        term_months=1,
        method=INTEREST_ONLY,
        rounding=rounding,
    )

    # then
    assert installment.interest == exact_round(interest, rounding)


@settings(max_examples=examples(100))
@given(principals, annual_rates, any_terms, roundings)
def test_bullet_pays_everything_with_simple_interest_in_the_last_period(
    principal: int, annual_rate: Decimal, term_months: int, rounding: RoundingMode
) -> None:
    # given
    expected_interest = exact_round(
        principal * exact_monthly_rate(annual_rate) * term_months, rounding
    )

    # when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=BULLET,
        rounding=rounding,
    )

    # then
    *before_maturity, last = schedule
    assert all(item.total == 0 for item in before_maturity)
    assert all(item.remaining_principal == principal for item in before_maturity)
    assert (last.principal, last.interest) == (principal, expected_interest)


@settings(max_examples=examples(100))
@given(principals, short_terms, methods, roundings)
def test_zero_rate_charges_no_interest_with_any_method(
    principal: int, term_months: int, method: RepaymentMethod, rounding: RoundingMode
) -> None:
    # given / when
    schedule = make_schedule(
        principal=principal,
        annual_rate=Decimal(0),
        term_months=term_months,
        method=method,
        rounding=rounding,
    )

    # then
    assert all(item.interest == 0 for item in schedule)
    assert sum(item.total for item in schedule) == principal


@settings(max_examples=examples(100))
@given(principals, annual_rates, short_terms, roundings)
def test_interest_only_repays_principal_only_in_the_last_period(
    principal: int, annual_rate: Decimal, term_months: int, rounding: RoundingMode
) -> None:
    # given
    monthly_interest = exact_round(principal * exact_monthly_rate(annual_rate), rounding)

    # when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=INTEREST_ONLY,
        rounding=rounding,
    )

    # then
    *before_maturity, last = schedule
    assert all(item.principal == 0 for item in before_maturity)
    assert all(item.interest == monthly_interest for item in schedule)
    assert last.principal == principal


@settings(max_examples=examples(100))
@given(principals, annual_rates, short_terms, roundings)
def test_equal_principal_repays_p_over_n_until_the_balance_runs_out(
    principal: int, annual_rate: Decimal, term_months: int, rounding: RoundingMode
) -> None:
    # given
    level = exact_round(Fraction(principal, term_months), rounding)

    # when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=EQUAL_PRINCIPAL,
        rounding=rounding,
    )

    # then: round(P/n) each month, clamped when less than that is still owed
    owed_before = balances_before(principal, schedule)
    for owed, item in zip(owed_before[:-1], schedule[:-1], strict=True):
        assert item.principal == min(level, owed)
    assert schedule[-1].principal == owed_before[-1]


@settings(max_examples=examples(100))
@given(principals, annual_rates, short_terms, roundings)
def test_equal_installment_totals_are_level_except_the_last(
    principal: int, annual_rate: Decimal, term_months: int, rounding: RoundingMode
) -> None:
    # given: A = P·r / (1 − (1+r)^−n), exactly, then rounded (with r = 0: P / n)
    rate = exact_monthly_rate(annual_rate)
    if rate == 0:
        payment = exact_round(Fraction(principal, term_months), rounding)
    else:
        payment = exact_round(principal * rate / (1 - (1 + rate) ** -term_months), rounding)

    # when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=EQUAL_INSTALLMENT,
        rounding=rounding,
    )

    # then: every non-last total is the payment, unless the payment would repay more than is
    # still owed (rounding the payment up over many periods): then it repays the rest.
    for item in schedule[:-1]:
        assert item.total == payment or (item.total < payment and item.remaining_principal == 0)


@settings(max_examples=examples(100))
@given(
    st.integers(min_value=10**7, max_value=10**13),
    st.integers(min_value=1, max_value=2400).map(lambda bp: Decimal(bp).scaleb(-4)),
    st.integers(min_value=2, max_value=360),
    roundings,
)
def test_equal_installment_is_exactly_level_for_ordinary_loans(
    principal: int, annual_rate: Decimal, term_months: int, rounding: RoundingMode
) -> None:
    # given: at least 100,000.00 at up to 24 % a year over up to 30 years. Each period's
    # rounding moves the balance by at most one minor unit, compounded: ((1+r)^n − 1) / r in
    # all, at most 62,300 here, well under one payment, so the balance can't run out early.
    # when
    schedule = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=EQUAL_INSTALLMENT,
        rounding=rounding,
    )

    # then
    assert len({item.total for item in schedule[:-1]}) == 1
    assert schedule[-2].remaining_principal > 0


# --- known values --------------------------------------------------------------------------
# Source: by hand with r = 0.0435 / 12 = 0.003625 exactly, cross-checked with a Decimal
# walk of the reference rules (prec 50, ROUND_HALF_UP) outside the code under test.


def test_equal_installment_of_10000_cny_at_4_35_percent_over_12_months() -> None:
    # given: A = 1,000,000 · 0.003625 / (1 − 1.003625^−12) = 85,310.02… → 853.10 a month
    # when
    schedule = make_schedule(principal=1_000_000, annual_rate="0.0435", term_months=12)

    # then
    assert [item.total for item in schedule[:-1]] == [85_310] * 11
    assert (schedule[0].principal, schedule[0].interest) == (81_685, 3_625)
    # the last period repays the remaining 850.01 plus 3.08 interest: 853.09
    assert (schedule[-1].principal, schedule[-1].interest) == (85_001, 308)
    assert schedule[-1].total == 85_309
    assert sum(item.interest for item in schedule) == 23_719  # 237.19


def test_equal_principal_of_10000_cny_at_4_35_percent_over_12_months() -> None:
    # given: 1,000,000 / 12 = 83,333.33… → 833.33; interest on 10,000.00 is 36.25
    # when
    schedule = make_schedule(method=EQUAL_PRINCIPAL)

    # then
    assert (schedule[0].principal, schedule[0].interest, schedule[0].total) == (
        83_333,
        3_625,
        86_958,
    )
    # the last takes the remainder: 1,000,000 − 11 · 83,333 = 83,337, interest round(302.1)
    assert (schedule[-1].principal, schedule[-1].interest) == (83_337, 302)
    assert [item.interest for item in schedule] == sorted(
        (item.interest for item in schedule), reverse=True
    )


def test_interest_only_of_10000_cny_at_4_35_percent_over_12_months() -> None:
    # given / when
    schedule = make_schedule(method=INTEREST_ONLY)

    # then
    assert [item.total for item in schedule[:-1]] == [3_625] * 11  # 36.25
    assert schedule[-1].total == 1_003_625  # 10,036.25


def test_bullet_of_10000_cny_at_4_35_percent_over_12_months() -> None:
    # given / when
    schedule = make_schedule(method=BULLET)

    # then
    assert [item.total for item in schedule[:-1]] == [0] * 11
    assert schedule[-1].total == 1_043_500  # 10,000.00 + 10,000.00 · 0.0435 = 10,435.00


def test_equal_installment_of_1000000_cny_at_4_9_percent_over_360_months() -> None:
    # given: the textbook mortgage (100万, 30 年, 4.9 %): 5,307.27 a month, as published in
    # Chinese banks' mortgage tables; our Decimal walk gives a last installment of 5,305.19
    # (5,283.62 principal + 21.57 interest) and 910,615.12 interest in all
    # when
    schedule = make_schedule(principal=100_000_000, annual_rate="0.049", term_months=360)

    # then
    assert {item.total for item in schedule[:-1]} == {530_727}
    assert (schedule[0].principal, schedule[0].interest) == (122_394, 408_333)
    assert (schedule[-1].principal, schedule[-1].interest) == (528_362, 2_157)
    assert sum(item.interest for item in schedule) == 91_061_512


def decimal_walk(principal: int, annual_rate: str, term_months: int) -> list[tuple[int, int]]:
    """Equal installment by the letter of DESIGN.md section 4, in plain Decimal (prec 50)."""
    with localcontext() as context:
        context.prec = 50
        rate = Decimal(annual_rate) / 12
        one = Decimal(1)
        payment = (principal * rate / (1 - (1 + rate) ** -term_months)).quantize(one, ROUND_HALF_UP)
        rows, owed = [], Decimal(principal)
        for number in range(1, term_months + 1):
            interest = (owed * rate).quantize(one, ROUND_HALF_UP)
            repaid = owed if number == term_months else payment - interest
            owed -= repaid
            rows.append((int(repaid), int(interest)))
        return rows


@pytest.mark.parametrize(
    ("principal", "annual_rate", "term_months"),
    [(1_000_000, "0.0435", 12), (100_000_000, "0.049", 360), (5_000_000, "0.18", 36)],
)
def test_known_equal_installment_loans_match_a_plain_decimal_walk(
    principal: int, annual_rate: str, term_months: int
) -> None:
    # given
    expected = decimal_walk(principal, annual_rate, term_months)

    # when
    schedule = make_schedule(principal=principal, annual_rate=annual_rate, term_months=term_months)

    # then
    assert [(item.principal, item.interest) for item in schedule] == expected


@pytest.mark.parametrize(
    ("rounding", "monthly_interest"),
    [(HALF_UP, 421), (HALF_EVEN, 420)],
)
def test_rounding_mode_decides_an_interest_of_exactly_half_a_minor_unit(
    rounding: RoundingMode, monthly_interest: int
) -> None:
    # given: 1,160.00 CNY at 4.35 %: 116,000 · 0.003625 = 420.5 minor units exactly
    # when
    schedule = make_schedule(
        principal=116_000, term_months=3, method=INTEREST_ONLY, rounding=rounding
    )

    # then
    assert [item.interest for item in schedule] == [monthly_interest] * 3


@pytest.mark.parametrize(
    ("principal", "annual_rate", "rounding", "interest"),
    [
        # 600 · 0.13 / 12 = 6.5 exactly; a monthly rate cut to finitely many digits
        # (0.0108333…3) lands a hair below 6.5 and would round down.
        (600, "0.13", HALF_UP, 7),
        (600, "0.13", HALF_EVEN, 6),
        (24, "0.25", HALF_UP, 1),  # 0.5
        (300, "0.22", HALF_UP, 6),  # 5.5
        (300, "0.22", HALF_EVEN, 6),
        (2_318_700_000_000, "0.34234786", HALF_UP, 66_150_165_249),  # …248.5
    ],
)
def test_a_tie_is_rounded_on_the_exact_monthly_interest(
    principal: int, annual_rate: str, rounding: RoundingMode, interest: int
) -> None:
    # given / when
    (installment,) = make_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=1,
        method=INTEREST_ONLY,
        rounding=rounding,
    )

    # then
    assert installment.interest == interest


@pytest.mark.parametrize(("rounding", "payment"), [(HALF_UP, 85), (HALF_EVEN, 84)])
def test_a_tie_in_the_level_payment_follows_the_rounding_mode(
    rounding: RoundingMode, payment: int
) -> None:
    # given: 150 at 100 % a year over 2 months: A = 150 · (13/12)² / (25/12) = 84.5 exactly
    # when
    first, _last = make_schedule(principal=150, annual_rate="1", term_months=2, rounding=rounding)

    # then
    assert first.total == payment


@pytest.mark.parametrize(
    ("principal", "annual_rate", "term_months"),
    [(0, "0.05", 12), (-1, "0.05", 12), (100, "0.05", 0), (100, "-0.01", 12), (100, "1.01", 12)],
)
def test_build_schedule_refuses_impossible_terms(
    principal: int, annual_rate: str, term_months: int
) -> None:
    with pytest.raises(ValueError, match="must"):
        make_schedule(principal=principal, annual_rate=annual_rate, term_months=term_months)
