"""A lending plan's fee (a percentage of assets, or what was earned above the target) and its
investors' shares: exact, whatever the order they are given in."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.plans import (
    PlanFeeKind,
    PlanFeeRule,
    holdings_of,
    plan_fee,
    shares_of,
    target_return,
)

ASSETS = PlanFeeRule(PlanFeeKind.ASSETS, Decimal("0.01"))
EXCESS = PlanFeeRule(PlanFeeKind.EXCESS, Decimal(0))
STAKES = st.dictionaries(st.integers(0, 10**6), st.integers(0, 10**9), min_size=1, max_size=12)


def test_a_percentage_of_assets_accrues_by_days_held() -> None:
    # 1,000,000.00 for 182 days at 1 %: 4,986.30 (half-up once), within what was earned
    fee = plan_fee(
        ASSETS,
        principal=1_000_000_00,
        realised=1_040_000_00,
        target_rate=Decimal("0.08"),
        days=182,
    )
    assert fee == 4_986_30


def test_everything_above_the_target_is_the_excess_fee_and_a_loss_pays_no_fee() -> None:
    target = target_return(1_000_000_00, Decimal("0.08"), 365)
    assert target == 80_000_00
    assert (
        plan_fee(
            EXCESS,
            principal=1_000_000_00,
            realised=1_090_000_00,
            target_rate=Decimal("0.08"),
            days=365,
        )
        == 10_000_00
    )
    assert (
        plan_fee(
            EXCESS,
            principal=1_000_000_00,
            realised=1_070_000_00,
            target_rate=Decimal("0.08"),
            days=365,
        )
        == 0
    )
    assert (
        plan_fee(
            ASSETS,
            principal=1_000_000_00,
            realised=990_000_00,
            target_rate=Decimal("0.08"),
            days=365,
        )
        == 0
    )


@given(
    st.sampled_from([ASSETS, EXCESS]),
    st.integers(0, 10**12),
    st.integers(0, 2 * 10**12),
    st.integers(0, 3 * 365),
)
def test_the_fee_never_exceeds_what_was_earned(
    rule: PlanFeeRule, principal: int, realised: int, days: int
) -> None:
    fee = plan_fee(
        rule, principal=principal, realised=realised, target_rate=Decimal("0.08"), days=days
    )
    assert 0 <= fee <= max(0, realised - principal)


@given(st.integers(0, 10**12), STAKES, st.randoms())
def test_shares_sum_exactly_and_do_not_depend_on_the_order(total: int, stakes, rnd) -> None:  # type: ignore[no-untyped-def]
    if not any(stakes.values()):
        stakes = {**stakes, 0: 1}
    shuffled = list(stakes.items())
    rnd.shuffle(shuffled)
    shares = shares_of(total, stakes)
    assert sum(shares.values()) == total
    assert shares_of(total, dict(shuffled)) == shares
    whole = sum(stakes.values())
    for who, part in shares.items():
        assert abs(part * whole - total * stakes[who]) < whole  # never a whole unit off


@given(
    st.dictionaries(st.sampled_from(["notes", "cash", "accrued"]), st.integers(0, 10**10)), STAKES
)
def test_every_investors_holdings_sum_to_the_plans(components: dict[str, int], stakes) -> None:  # type: ignore[no-untyped-def]
    if not any(stakes.values()):
        stakes = {**stakes, 0: 1}
    held = holdings_of(components, stakes)
    for name, amount in components.items():
        assert sum(h[name] for h in held.values()) == amount
