"""What a campaign may promise: durations by funding model, per-kind terms."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.crowdfunding.states import CampaignKind, FundingModel
from domain.crowdfunding.terms import (
    CampaignTerms,
    DebtTerms,
    EquityTerms,
    TierTerms,
    terms_violations,
)

REWARD = CampaignTerms(
    kind=CampaignKind.REWARD,
    funding_model=FundingModel.ALL_OR_NOTHING,
    goal=100_000,
    duration_days=30,
    title="A better kettle",
    description="",
    category="design",
    tiers=(TierTerms("early bird", 5_000, 100),),
)
EQUITY = replace(
    REWARD,
    kind=CampaignKind.EQUITY,
    tiers=(),
    goal=1_000_000,
    equity=EquityTerms(
        price_per_share=1_000, shares_offered=1_000, minimum_raise=500_000, valuation=10**8
    ),
)


def fields(terms: CampaignTerms) -> list[str]:
    return [field for field, _ in terms_violations(terms)]


def test_valid_terms_have_no_violations() -> None:
    assert fields(REWARD) == []
    assert fields(EQUITY) == []
    debt = replace(REWARD, kind=CampaignKind.DEBT, tiers=(), debt=DebtTerms(Decimal("0.08"), 12))
    assert fields(debt) == []


def test_durations_depend_on_the_funding_model() -> None:
    assert fields(replace(REWARD, duration_days=60)) == []
    assert fields(replace(REWARD, duration_days=61)) == ["duration_days"]
    assert fields(replace(REWARD, duration_days=0)) == ["duration_days"]
    keep = replace(REWARD, funding_model=FundingModel.KEEP_IT_ALL)
    assert fields(replace(keep, duration_days=365)) == []
    assert fields(replace(keep, duration_days=366)) == ["duration_days"]


def test_equity_and_debt_are_all_or_nothing_with_their_own_terms() -> None:
    assert fields(replace(EQUITY, funding_model=FundingModel.KEEP_IT_ALL)) == ["funding_model"]
    assert fields(replace(EQUITY, equity=None)) == ["equity"]
    assert fields(replace(EQUITY, goal=999_000)) == ["goal"]
    assert fields(replace(REWARD, kind=CampaignKind.DEBT, tiers=())) == ["debt"]


def test_tiers_belong_to_reward_campaigns() -> None:
    assert fields(replace(EQUITY, tiers=REWARD.tiers)) == ["tiers"]
    assert fields(replace(REWARD, tiers=(TierTerms("x", 0, 0),))) == [
        "tiers.minimum",
        "tiers.quantity",
    ]
