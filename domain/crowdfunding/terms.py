"""What a campaign may promise: its kind, funding model, goal, duration and per-kind terms
(pure).

All-or-nothing campaigns run 1..60 days, keep-it-all ones 1..365. Equity and debt raise a
fixed amount for fixed terms, so they are all-or-nothing only. An equity offering's goal is
its maximum (price per share x shares offered); it succeeds at its minimum raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.crowdfunding.states import CampaignKind, FundingModel

MAX_DAYS = {FundingModel.ALL_OR_NOTHING: 60, FundingModel.KEEP_IT_ALL: 365}
MAX_TIERS = 20
TITLE_LENGTH = 120
DESCRIPTION_LENGTH = 5_000
CATEGORY_LENGTH = 40


@dataclass(frozen=True, slots=True)
class TierTerms:
    name: str
    minimum: int  # minor units: a pledge for the tier is at least this
    quantity: int | None  # units in stock; None: unlimited
    estimated_delivery: str | None = None  # ISO date, as the creator promises it


@dataclass(frozen=True, slots=True)
class EquityTerms:
    price_per_share: int  # minor units
    shares_offered: int
    minimum_raise: int  # minor units: the offering succeeds at this
    valuation: int  # minor units, pre-money, as the issuer states it

    @property
    def maximum(self) -> int:
        return self.price_per_share * self.shares_offered


@dataclass(frozen=True, slots=True)
class DebtTerms:
    annual_rate: Decimal
    term_months: int


@dataclass(frozen=True, slots=True)
class CampaignTerms:
    kind: CampaignKind
    funding_model: FundingModel
    goal: int
    duration_days: int
    title: str
    description: str
    category: str
    tiers: tuple[TierTerms, ...] = ()
    equity: EquityTerms | None = None
    debt: DebtTerms | None = None


def threshold(kind: CampaignKind, goal: int, minimum_raise: int | None) -> int:
    """What must be pledged at the deadline for an all-or-nothing campaign to succeed."""
    return minimum_raise if kind is CampaignKind.EQUITY and minimum_raise is not None else goal


def terms_violations(terms: CampaignTerms) -> list[tuple[str, str]]:
    """(field, message) for every broken rule; empty when the terms are valid."""
    found: list[tuple[str, str]] = []
    most = MAX_DAYS[terms.funding_model]
    if not 1 <= terms.duration_days <= most:
        found.append(("duration_days", f"must be within 1..{most} days"))
    if terms.goal <= 0:
        found.append(("goal", "must be greater than zero"))
    if not terms.title.strip() or len(terms.title) > TITLE_LENGTH:
        found.append(("title", f"must be 1..{TITLE_LENGTH} characters"))
    if len(terms.description) > DESCRIPTION_LENGTH:
        found.append(("description", f"must be at most {DESCRIPTION_LENGTH} characters"))
    if len(terms.category) > CATEGORY_LENGTH:
        found.append(("category", f"must be at most {CATEGORY_LENGTH} characters"))
    kind = terms.kind
    fixed_raise = kind in (CampaignKind.EQUITY, CampaignKind.DEBT)
    if fixed_raise and terms.funding_model is not FundingModel.ALL_OR_NOTHING:
        found.append(("funding_model", f"a {kind.value} campaign is ALL_OR_NOTHING"))
    found += _tier_violations(terms)
    found += _equity_violations(terms)
    if (kind is CampaignKind.DEBT) != (terms.debt is not None):
        found.append(("debt", "debt terms go with DEBT campaigns, and only with them"))
    return found


def _tier_violations(terms: CampaignTerms) -> list[tuple[str, str]]:
    found = []
    if terms.tiers and terms.kind is not CampaignKind.REWARD:
        found.append(("tiers", "only REWARD campaigns have tiers"))
    if len(terms.tiers) > MAX_TIERS:
        found.append(("tiers", f"at most {MAX_TIERS}"))
    for tier in terms.tiers:
        if not tier.name.strip() or len(tier.name) > TITLE_LENGTH:
            found.append(("tiers.name", f"must be 1..{TITLE_LENGTH} characters"))
        if tier.minimum <= 0:
            found.append(("tiers.minimum", "must be greater than zero"))
        if tier.quantity is not None and tier.quantity <= 0:
            found.append(("tiers.quantity", "must be greater than zero, or unlimited"))
    return found


def _equity_violations(terms: CampaignTerms) -> list[tuple[str, str]]:
    equity = terms.equity
    if (terms.kind is CampaignKind.EQUITY) != (equity is not None):
        return [("equity", "equity terms go with EQUITY campaigns, and only with them")]
    if equity is None:
        return []
    found = []
    if equity.price_per_share <= 0 or equity.shares_offered <= 0:
        found.append(("equity", "price per share and shares offered must be positive"))
    elif terms.goal != equity.maximum:
        found.append(("goal", "must be the price per share times the shares offered"))
    if not 0 < equity.minimum_raise <= equity.maximum:
        found.append(("equity.minimum_raise", "must be within 0..the goal, above zero"))
    elif equity.price_per_share > 0 and equity.minimum_raise % equity.price_per_share:
        found.append(("equity.minimum_raise", "must be a whole number of shares"))
    if equity.valuation <= 0:
        found.append(("equity.valuation", "must be greater than zero"))
    return found
