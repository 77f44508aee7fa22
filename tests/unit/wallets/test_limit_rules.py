"""Daily limits by KYC level: who may move money at all, and how much more may leave today."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import Money
from domain.participants.kyc import KycLevel, KycRequired, limits_for
from domain.wallets.errors import LimitExceeded
from domain.wallets.limits import check_daily, daily_cap

OPERATIONS = ("withdrawal", "transfer")
PERSON_CAP = 5_000_000  # 50,000.00 a day


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_unverified_participant_may_not_move_money_at_all(operation: str) -> None:
    with pytest.raises(KycRequired) as refusal:
        check_daily(
            level=KycLevel.UNVERIFIED, operation=operation, used_today=0, amount=Money(1, "CNY")
        )

    assert refusal.value.field == "amount"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_level_caps_each_operation_as_its_limits_say(operation: str) -> None:
    assert daily_cap(level=KycLevel.PERSON, operation=operation) == PERSON_CAP
    assert daily_cap(level=KycLevel.BUSINESS, operation=operation) == 500_000_000
    assert limits_for(KycLevel.PERSON).may_withdraw
    assert limits_for(KycLevel.BUSINESS).may_withdraw


def test_the_cap_itself_may_be_reached_but_not_passed_by_one_cent() -> None:
    check_daily(
        level=KycLevel.PERSON, operation="transfer", used_today=0, amount=Money(PERSON_CAP, "CNY")
    )
    with pytest.raises(LimitExceeded) as refusal:
        check_daily(
            level=KycLevel.PERSON,
            operation="transfer",
            used_today=1,
            amount=Money(PERSON_CAP, "CNY"),
        )

    assert refusal.value.message.endswith("is 50000.00 CNY; 49999.99 CNY remains")


@given(
    level=st.sampled_from([KycLevel.PERSON, KycLevel.BUSINESS]),
    operation=st.sampled_from(OPERATIONS),
    used_today=st.integers(min_value=0, max_value=600_000_000),
    amount=st.integers(min_value=1, max_value=600_000_000),
)
def test_an_amount_passes_exactly_when_today_plus_it_stays_within_the_cap(
    level: KycLevel, operation: str, used_today: int, amount: int
) -> None:
    cap = daily_cap(level=level, operation=operation)
    assert cap is not None
    fits = used_today + amount <= cap

    try:
        check_daily(
            level=level, operation=operation, used_today=used_today, amount=Money(amount, "CNY")
        )
        passed = True
    except LimitExceeded:
        passed = False

    assert passed is fits
