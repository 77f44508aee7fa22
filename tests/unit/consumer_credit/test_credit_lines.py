"""Credit lines: consumed by purchases, restored exactly, never negative, never over the limit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.consumer_credit.credit_limit import (
    CreditLimitExceeded,
    CreditLine,
    change_limit,
    consume_credit,
    restore_credit,
)
from domain.money import Money


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_line(limit: int = 500_000, used: int = 0) -> CreditLine:
    return CreditLine(cny(limit), cny(used))


def test_a_purchase_uses_credit_and_repaid_principal_restores_it() -> None:
    line = consume_credit(make_line(), cny(120_000))
    assert (line.used, line.available) == (cny(120_000), cny(380_000))
    line = restore_credit(line, cny(40_000))
    assert (line.used, line.available) == (cny(80_000), cny(420_000))


def test_a_purchase_beyond_the_available_credit_is_refused() -> None:
    with pytest.raises(CreditLimitExceeded, match=r"5000\.01 CNY is more than the 5000\.00 CNY"):
        consume_credit(make_line(), cny(500_001))


def test_more_principal_than_is_used_can_not_come_back() -> None:
    with pytest.raises(ValueError, match="no more principal"):
        restore_credit(make_line(used=100), cny(101))


def test_a_lower_limit_leaves_nothing_available_until_repaid() -> None:
    line = change_limit(make_line(used=300_000), cny(200_000))
    assert line.available == cny(0)
    with pytest.raises(CreditLimitExceeded):
        consume_credit(line, cny(1))
    assert restore_credit(line, cny(150_000)).available == cny(50_000)


operations = st.lists(
    st.tuples(st.sampled_from(["buy", "repay"]), st.integers(min_value=1, max_value=10**6)),
    max_size=40,
)


@given(st.integers(min_value=0, max_value=10**6), operations)
def test_any_sequence_keeps_the_line_within_zero_and_the_limit(
    limit: int, steps: list[tuple[str, int]]
) -> None:
    # given
    line = make_line(limit)
    outstanding: list[int] = []  # the principal of each purchase still owed

    for action, amount in steps:
        # when
        if action == "buy":
            if amount > line.available.minor:
                with pytest.raises(CreditLimitExceeded):
                    consume_credit(line, cny(amount))
                continue
            line = consume_credit(line, cny(amount))
            outstanding.append(amount)
        elif outstanding:
            back = min(amount, outstanding[-1])
            outstanding[-1] -= back
            line = restore_credit(line, cny(back))

        # then
        assert 0 <= line.used.minor <= line.limit.minor
        assert line.used.minor == sum(outstanding)
        assert line.available.minor + line.used.minor == limit

    # everything repaid: the line is whole again
    line = restore_credit(line, cny(sum(outstanding)))
    assert line.available == cny(limit)
