"""Risk thresholds: a floor is breached below, a ceiling above, no exposure is not read."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.liquidity.thresholds import Bound, Exposure, Metric, read_exposures


def test_floors_and_ceilings() -> None:
    readings = read_exposures(
        [
            Exposure(Metric.RAILS_COVERAGE, "", 99, 100),
            Exposure(Metric.GUARANTEE_FUND_COVERAGE, "", 10, 100),
            Exposure(Metric.BORROWER_CONCENTRATION, "", 21, 100),
            Exposure(Metric.BANK_CONCENTRATION, "", 50, 100),
            Exposure(Metric.INSURER_COVERAGE, "x", 5, 0),  # nothing covered: not read
        ]
    )
    assert [(r.metric, r.breached) for r in readings] == [
        (Metric.RAILS_COVERAGE, True),
        (Metric.GUARANTEE_FUND_COVERAGE, False),  # exactly at the floor
        (Metric.BORROWER_CONCENTRATION, True),
        (Metric.BANK_CONCENTRATION, False),  # exactly at the ceiling
    ]


@given(st.integers(0, 10**12), st.integers(1, 10**12), st.sampled_from(list(Metric)))
def test_a_reading_is_breached_exactly_beyond_its_limit(
    part: int, whole: int, metric: Metric
) -> None:
    [reading] = read_exposures([Exposure(metric, "", part, whole)])
    value = Fraction(part, whole)
    assert reading.value == value
    beyond = value < reading.limit if reading.bound is Bound.FLOOR else value > reading.limit
    assert reading.breached is beyond
