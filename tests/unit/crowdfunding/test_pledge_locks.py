"""When a live pledge may no longer be cancelled or reduced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.crowdfunding.pledge_locks import cancellation_lock
from domain.crowdfunding.states import CampaignKind, FundingModel

DEADLINE = datetime(2026, 12, 31, 12, tzinfo=UTC)


def lock(
    kind: CampaignKind = CampaignKind.REWARD,
    model: FundingModel = FundingModel.ALL_OR_NOTHING,
    *,
    left: timedelta,
    pledged: int = 1_000,
    threshold: int = 1_000,
    reduction: int = 100,
) -> str | None:
    return cancellation_lock(
        kind=kind,
        funding_model=model,
        deadline=DEADLINE,
        now=DEADLINE - left,
        pledged=pledged,
        threshold=threshold,
        reduction=reduction,
    )


def test_equity_locks_48_hours_before_the_deadline_whatever_the_amount() -> None:
    equity = CampaignKind.EQUITY
    assert lock(equity, left=timedelta(hours=49), pledged=10**6) is None
    assert lock(equity, left=timedelta(hours=48), pledged=10**6) is not None


def test_all_or_nothing_locks_in_the_last_day_only_when_it_would_drop_below_the_goal() -> None:
    assert lock(left=timedelta(hours=25)) is None
    assert lock(left=timedelta(hours=24)) is not None  # 1,000 -> 900 < 1,000
    assert lock(left=timedelta(hours=1), pledged=1_200) is None  # stays at the goal
    assert lock(left=timedelta(hours=1), pledged=800) is None  # below it already


def test_keep_it_all_never_locks() -> None:
    assert lock(model=FundingModel.KEEP_IT_ALL, left=timedelta(minutes=1)) is None
