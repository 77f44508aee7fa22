"""The 7-day annualised yield: seven days' income per 10,000 units, compounded over a year."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.yields import seven_day_yield

RATES = st.decimals(min_value=0, max_value=Decimal("9.9999"), places=4)


def test_seven_days_at_0_6_per_10000_are_2_21_percent_a_year() -> None:
    # seven equal days compound to a year of them: 1.00006 ^ 365 - 1 = 0.0221405...
    assert seven_day_yield([Decimal("0.6000")] * 7) == Decimal("0.022141")
    assert seven_day_yield([Decimal("0.6000")] * 7) == (Decimal("1.00006") ** 365 - 1).quantize(
        Decimal("0.000001")
    )


def test_fewer_than_seven_days_have_no_yield_and_only_the_last_seven_count() -> None:
    assert seven_day_yield([Decimal("0.6")] * 6) is None
    assert seven_day_yield([Decimal(9)] + [Decimal(0)] * 7) == Decimal(0)


@given(st.lists(RATES, min_size=7, max_size=7), st.randoms())
def test_the_order_of_the_days_does_not_matter(rates: list[Decimal], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(rates)
    rnd.shuffle(shuffled)
    assert seven_day_yield(rates) == seven_day_yield(shuffled)


@given(st.lists(RATES, min_size=7, max_size=7), st.integers(0, 6))
def test_a_better_day_never_lowers_the_yield(rates: list[Decimal], day: int) -> None:
    better = list(rates)
    better[day] += Decimal("0.0001")
    before, after = seven_day_yield(rates), seven_day_yield(better)
    assert before is not None
    assert after is not None
    assert after >= before >= 0
