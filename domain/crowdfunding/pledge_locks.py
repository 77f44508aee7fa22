"""When a backer may no longer cancel or reduce a live pledge (pure).

- Equity (Reg CF): not in the last 48 hours before the deadline, whatever the amount.
- All-or-nothing (Kickstarter): not in the last 24 hours if that would take a campaign that
  has reached its goal back below it.
Otherwise a pledge may be cancelled or reduced at any time while the campaign is live.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.crowdfunding.states import CampaignKind, FundingModel

EQUITY_LOCK = timedelta(hours=48)
GOAL_LOCK = timedelta(hours=24)


def cancellation_lock(
    *,
    kind: CampaignKind,
    funding_model: FundingModel,
    deadline: datetime,
    now: datetime,
    pledged: int,
    threshold: int,
    reduction: int,
) -> str | None:
    """Why reducing the campaign's pledged total by `reduction` is refused now (None: it
    is not)."""
    if now.tzinfo is None or deadline.tzinfo is None:
        raise ValueError("pledge locks compare aware datetimes")
    left = deadline - now
    if kind is CampaignKind.EQUITY and left <= EQUITY_LOCK:
        return "an equity pledge cannot change in the last 48 hours before the deadline"
    if (
        funding_model is FundingModel.ALL_OR_NOTHING
        and left <= GOAL_LOCK
        and pledged >= threshold > pledged - reduction
    ):
        return "in the last 24 hours a pledge cannot take the campaign back below its goal"
    return None
